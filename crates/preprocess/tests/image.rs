//! Image preprocessing on PNGs written by the `png` crate's encoder: identity at the same
//! size, 2× downscale = 2×2 block means (half-pixel centres), grey and alpha handling,
//! normalisation, layouts, and hostile input (not a PNG, truncated, a header declaring
//! 100000 × 100000 pixels).

use edgemix_preprocess::image::{preprocess, ImageConfig};
use edgemix_preprocess::ErrorKind;

fn png(width: u32, height: u32, color: png::ColorType, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(color);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(data).unwrap();
    writer.finish().unwrap();
    out
}

/// A deterministic RGB test card.
fn card(width: u32, height: u32) -> Vec<u8> {
    (0..width * height * 3).map(|i| (i.wrapping_mul(37) % 251) as u8).collect()
}

fn config(json: &str) -> ImageConfig {
    ImageConfig::from_json(json).unwrap()
}

#[test]
fn same_size_is_the_pixels_over_255_in_chw() {
    let data = card(5, 3);
    let out = preprocess(&config(r#"{"width":5,"height":3}"#), &png(5, 3, png::ColorType::Rgb, &data)).unwrap();
    for c in 0..3 {
        for p in 0..15 {
            assert_eq!(out[c * 15 + p], (f64::from(data[p * 3 + c]) / 255.0) as f32);
        }
    }
}

#[test]
fn halving_averages_two_by_two_blocks_and_normalises() {
    let data = card(8, 6);
    let json = r#"{"width":4,"height":3,"layout":"hwc","mean":[0.5,0.25,0],"std":[0.5,2,1]}"#;
    let out = preprocess(&config(json), &png(8, 6, png::ColorType::Rgb, &data)).unwrap();
    let (mean, std) = ([0.5, 0.25, 0.0], [0.5, 2.0, 1.0]);
    for y in 0..3 {
        for x in 0..4 {
            for c in 0..3 {
                let at = |xx: usize, yy: usize| f64::from(data[(yy * 8 + xx) * 3 + c]);
                let block = (at(2 * x, 2 * y) + at(2 * x + 1, 2 * y) + at(2 * x, 2 * y + 1) + at(2 * x + 1, 2 * y + 1)) / 4.0;
                let expected = ((block / 255.0 - mean[c]) / std[c]) as f32;
                assert_eq!(out[(y * 4 + x) * 3 + c], expected, "pixel ({x}, {y}) channel {c}");
            }
        }
    }
}

#[test]
fn grey_fills_every_channel_and_alpha_is_dropped() {
    let grey = preprocess(&config(r#"{"width":2,"height":1}"#), &png(2, 1, png::ColorType::Grayscale, &[0, 255])).unwrap();
    assert_eq!(grey, [0.0, 1.0, 0.0, 1.0, 0.0, 1.0]);
    let rgba = png(1, 1, png::ColorType::Rgba, &[51, 102, 204, 0]);
    assert_eq!(preprocess(&config(r#"{"width":1,"height":1}"#), &rgba).unwrap(), [0.2, 0.4, 0.8]);
}

#[test]
fn refuses_what_is_not_a_png_and_bombs_from_the_header() {
    let c = config("");
    let err = preprocess(&c, b"GIF89a....").unwrap_err();
    assert_eq!(err.kind, ErrorKind::Input);
    assert!(err.message.contains("not a PNG"), "{}", err.message);
    let whole = png(4, 4, png::ColorType::Rgb, &card(4, 4));
    let truncated = preprocess(&c, &whole[..whole.len() - 20]).unwrap_err();
    assert!(truncated.message.contains("not a readable PNG"), "{}", truncated.message);
    // Only the signature and IHDR of a 100000 × 100000 RGBA image: 40 GB if decoded.
    let mut bomb = Vec::new();
    let mut encoder = png::Encoder::new(&mut bomb, 100_000, 100_000);
    encoder.set_color(png::ColorType::Rgba);
    drop(encoder.write_header().unwrap());
    let err = preprocess(&c, &bomb).unwrap_err();
    assert_eq!(err.message, "the PNG declares 100000 × 100000 = 10000000000 pixels; maxPixels allows 4194304");
}

#[test]
fn refuses_bad_configuration() {
    for (json, needle) in [
        (r#"{"width":0}"#, "width = 0 is out of range: allowed 1 to 4096 pixels"),
        (r#"{"std":[1,0,1]}"#, "std[1] = 0 is not allowed"),
        (r#"{"maxPixels":0}"#, "maxPixels = 0 is out of range"),
        (r#"{"layout":"nchw"}"#, "unknown variant `nchw`"),
        (r#"{"mean":[0,0]}"#, "invalid length 2"),
    ] {
        let err = ImageConfig::from_json(json).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Config);
        assert!(err.message.contains(needle), "{json}: {}", err.message);
    }
}
