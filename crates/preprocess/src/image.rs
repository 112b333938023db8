//! Image preprocessing for a vision model: PNG → RGB → bilinear resize → normalised
//! float32 tensor.
//!
//! - Decoding by the `png` crate; palette and low bit depths are expanded to 8 bits,
//!   16-bit samples keep their high byte, grey is copied to R, G and B and alpha is
//!   dropped (not composited), as PIL's `convert('RGB')` does. An animated PNG gives its
//!   default image.
//! - Resize to `width` × `height` by bilinear interpolation with half-pixel centres,
//!   clamped at the edges, no antialiasing (OpenCV `INTER_LINEAR`, PyTorch
//!   `interpolate(mode='bilinear', align_corners=False)`): output pixel (x, y) samples
//!   the input at ((x + 0.5)·inW/width − 0.5, (y + 0.5)·inH/height − 0.5). Computed in f64.
//! - Each channel c: `(value / 255 − mean[c]) / std[c]`, rounded to f32.
//! - Layout `chw` (planes R, G, B; PyTorch) or `hwc` (interleaved; TensorFlow).
//!
//! A PNG whose header declares more than `maxPixels` pixels is refused from its header,
//! before anything is allocated for its pixels (a "PNG bomb" costs nothing).

use std::io::Cursor;

use serde::Deserialize;

use crate::Error;

/// Largest output side, pixels.
pub const MAX_SIDE: u32 = 4096;
/// Largest `maxPixels` (decoded image area), pixels.
pub const MAX_PIXELS_LIMIT: u64 = 1 << 26;
/// Default `maxPixels`: 2048 × 2048.
pub const DEFAULT_MAX_PIXELS: u64 = 1 << 22;
/// What the PNG decoder may allocate besides the image (row buffers, inflate state,
/// metadata chunks), bytes.
const DECODER_BUDGET: usize = 16 << 20;

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];

/// Memory order of the output tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// `[3, height, width]`: the R plane, then G, then B.
    #[default]
    Chw,
    /// `[height, width, 3]`: R, G, B per pixel.
    Hwc,
}

/// Settings of [`preprocess`] (JSON, camelCase; omitted keys take the defaults).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ImageConfig {
    /// Output width, pixels, 1 to [`MAX_SIDE`]. Default 224.
    pub width: u32,
    /// Output height, pixels, 1 to [`MAX_SIDE`]. Default 224.
    pub height: u32,
    /// Per-channel mean (R, G, B) subtracted after scaling to 0..1. Default 0.
    pub mean: [f64; 3],
    /// Per-channel divisor (R, G, B), > 0. Default 1.
    pub std: [f64; 3],
    pub layout: Layout,
    /// Largest decoded image accepted, pixels, 1 to [`MAX_PIXELS_LIMIT`].
    pub max_pixels: u64,
}

impl Default for ImageConfig {
    fn default() -> Self {
        Self { width: 224, height: 224, mean: [0.0; 3], std: [1.0; 3], layout: Layout::Chw, max_pixels: DEFAULT_MAX_PIXELS }
    }
}

impl ImageConfig {
    /// Parses and checks a JSON object (`""` = defaults).
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let config: Self = crate::parse_config("image", json)?;
        for (name, side) in [("width", config.width), ("height", config.height)] {
            if !(1..=MAX_SIDE).contains(&side) {
                return Err(Error::config(format!(
                    "image configuration: {name} = {side} is out of range: allowed 1 to {MAX_SIDE} pixels"
                )));
            }
        }
        if !(1..=MAX_PIXELS_LIMIT).contains(&config.max_pixels) {
            return Err(Error::config(format!(
                "image configuration: maxPixels = {} is out of range: allowed 1 to {MAX_PIXELS_LIMIT}",
                config.max_pixels
            )));
        }
        if let Some(c) = (0..3).find(|&c| !config.mean[c].is_finite()) {
            return Err(Error::config(format!("image configuration: mean[{c}] must be a finite number")));
        }
        if let Some(c) = (0..3).find(|&c| !(config.std[c].is_finite() && config.std[c] > 0.0)) {
            return Err(Error::config(format!(
                "image configuration: std[{c}] = {} is not allowed: expected a finite number above 0",
                config.std[c]
            )));
        }
        Ok(config)
    }

    /// Values in the output tensor: 3 × width × height.
    pub fn output_len(&self) -> usize {
        3 * self.width as usize * self.height as usize
    }
}

/// An 8-bit RGB image, row-major.
struct Rgb {
    width: usize,
    height: usize,
    pixels: Vec<[u8; 3]>,
}

fn png_error(e: png::DecodingError) -> Error {
    match e {
        png::DecodingError::LimitsExceeded => {
            Error::input("PNG decoding needs more memory than allowed (its metadata or rows are too large)")
        }
        e => Error::input(format!("the input is not a readable PNG: {e}")),
    }
}

fn decode(config: &ImageConfig, input: &[u8]) -> Result<Rgb, Error> {
    if !input.starts_with(&PNG_SIGNATURE) {
        return Err(Error::input("the input is not a PNG: it does not start with the 8-byte PNG signature"));
    }
    let limits = png::Limits { bytes: DECODER_BUDGET };
    let mut decoder = png::Decoder::new_with_limits(Cursor::new(input), limits);
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let (width, height) = decoder.read_header_info().map_err(png_error)?.size();
    let pixels = u64::from(width) * u64::from(height);
    if pixels > config.max_pixels {
        return Err(Error::input(format!(
            "the PNG declares {width} × {height} = {pixels} pixels; maxPixels allows {}",
            config.max_pixels
        )));
    }
    let mut reader = decoder.read_info().map_err(png_error)?;
    let size = reader.output_buffer_size().ok_or_else(|| Error::input("the PNG's image does not fit in memory"))?;
    let mut buffer = Vec::new();
    buffer.try_reserve_exact(size).map_err(|_| Error::input(format!("no memory for the decoded image ({size} bytes)")))?;
    buffer.resize(size, 0);
    let frame = reader.next_frame(&mut buffer).map_err(png_error)?;
    let samples = frame.color_type.samples();
    let (width, height) = (frame.width as usize, frame.height as usize);
    let mut pixels = Vec::with_capacity(width * height);
    for row in buffer.chunks_exact(frame.line_size).take(height) {
        pixels.extend(row[..width * samples].chunks_exact(samples).map(|p| match samples {
            1 | 2 => [p[0]; 3],
            _ => [p[0], p[1], p[2]],
        }));
    }
    Ok(Rgb { width, height, pixels })
}

/// Where output index `i` of `out` samples an input axis of `len`: the two neighbours
/// and the weight of the second.
fn taps(i: usize, out: usize, len: usize) -> (usize, usize, f64) {
    let scale = len as f64 / out as f64;
    let at = ((i as f64 + 0.5) * scale - 0.5).max(0.0);
    let first = (at.floor() as usize).min(len - 1);
    let second = (first + 1).min(len - 1);
    (first, second, at - first as f64)
}

/// The image in `input` (PNG bytes) as a float32 tensor of [`ImageConfig::output_len`]
/// values.
pub fn preprocess(config: &ImageConfig, input: &[u8]) -> Result<Vec<f32>, Error> {
    let image = decode(config, input)?;
    let (width, height) = (config.width as usize, config.height as usize);
    let plane = width * height;
    let mut out = vec![0.0f32; 3 * plane];
    let columns: Vec<_> = (0..width).map(|x| taps(x, width, image.width)).collect();
    for y in 0..height {
        let (y0, y1, wy) = taps(y, height, image.height);
        let (top, bottom) = (&image.pixels[y0 * image.width..], &image.pixels[y1 * image.width..]);
        for (x, &(x0, x1, wx)) in columns.iter().enumerate() {
            for c in 0..3 {
                let upper = f64::from(top[x0][c]) * (1.0 - wx) + f64::from(top[x1][c]) * wx;
                let lower = f64::from(bottom[x0][c]) * (1.0 - wx) + f64::from(bottom[x1][c]) * wx;
                let value = upper * (1.0 - wy) + lower * wy;
                let index = match config.layout {
                    Layout::Chw => c * plane + y * width + x,
                    Layout::Hwc => (y * width + x) * 3 + c,
                };
                out[index] = ((value / 255.0 - config.mean[c]) / config.std[c]) as f32;
            }
        }
    }
    Ok(out)
}
