//! `ImagePreprocess`: `edgemix_preprocess::image`, the source of `image_preprocess.wasm`,
//! so a hybrid proxy gets the same tensor from either side.

use edgemix_preprocess::image::{self, ImageConfig};

use super::data::NodeData;
use super::error::NodeError;
use super::params::{ParamSpec, ParamType};
use super::preprocess_error;
use super::registry::NodeSpec;
use super::Node;

const NAME: &str = "ImagePreprocess";

struct ImagePreprocess {
    config: ImageConfig,
}

impl Node for ImagePreprocess {
    /// PNG bytes (format `bytes`) → rows of `width` values: 3 × height rows (`chw`) or
    /// height rows of width × 3 (`hwc`); on the wire the float32 values in order (bytes,
    /// f32le) or the list of rows (json).
    fn process(&mut self, input: NodeData) -> Result<NodeData, NodeError> {
        let NodeData::Bytes(png) = input else {
            return Err(NodeError::invalid(format!(
                "{NAME} takes the bytes of a PNG file, received {}: use format bytes",
                input.kind()
            )));
        };
        let values = image::preprocess(&self.config, &png).map_err(|e| preprocess_error(NAME, e))?;
        let columns = match self.config.layout {
            image::Layout::Chw => self.config.width as usize,
            image::Layout::Hwc => self.config.width as usize * 3,
        };
        Ok(NodeData::Matrix { columns, values })
    }
}

pub fn spec() -> NodeSpec {
    NodeSpec::new(
        NAME,
        "image",
        "Image preprocessing for vision models, the same code as image_preprocess.wasm: a PNG (format bytes) in, RGB \
         resized bilinearly (half-pixel centres, no antialiasing) to width x height and normalised per channel as \
         (x/255 - mean)/std, out as float32 (bytes: 3 x height x width values in layout order).",
        vec![
            ParamSpec::new("width", ParamType::Integer { min: 1, max: image::MAX_SIDE.into() }, "224", "Output width, pixels."),
            ParamSpec::new("height", ParamType::Integer { min: 1, max: image::MAX_SIDE.into() }, "224", "Output height, pixels."),
            ParamSpec::new("mean", ParamType::Numbers(3), "[0, 0, 0]", "Per-channel mean (R, G, B) subtracted after scaling to 0..1."),
            ParamSpec::new("std", ParamType::Numbers(3), "[1, 1, 1]", "Per-channel divisor (R, G, B), above 0."),
            ParamSpec::new("layout", ParamType::String(&["chw", "hwc"]), "\"chw\"", "Tensor order: planes R, G, B (chw) or interleaved pixels (hwc)."),
            ParamSpec::new("maxPixels", ParamType::Integer { min: 1, max: image::MAX_PIXELS_LIMIT as i64 }, image::DEFAULT_MAX_PIXELS.to_string(), "Largest decoded image, pixels: a PNG declaring more is refused from its header."),
        ],
        |config, _| {
            let config = ImageConfig::from_json(&config.to_object().to_string()).map_err(|e| preprocess_error(NAME, e))?;
            Ok(Box::new(ImagePreprocess { config }))
        },
    )
}
