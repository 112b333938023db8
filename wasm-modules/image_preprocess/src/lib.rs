//! `image_preprocess.wasm`: `edgemix_preprocess::image` (the cloud `ImagePreprocess`
//! node's source), so edge and cloud give identical tensors.
//!
//! Configuration: `{ "width": 224, "height": 224, "mean": [0, 0, 0], "std": [1, 1, 1],
//! "layout": "chw", "maxPixels": 4194304 }` (all optional; see `ImageConfig`); a
//! refused one is `-4`. Input: a PNG file's bytes. Output: `3 × width × height` float32
//! values (declared `f32`). A PNG that does not decode, or whose header declares more
//! than `maxPixels` pixels, is `-3`. Refusal messages go to stderr (wasip1).

use edgemix_preprocess::image::{preprocess, ImageConfig};
use edgemix_preprocess::{Error, ErrorKind};
use edgemix_wasm_abi::{encode_f32, export_module, Code, Format, Module};

struct ImagePreprocess {
    config: ImageConfig,
}

fn refuse(err: Error) -> Code {
    eprintln!("image_preprocess: {err}");
    match err.kind {
        ErrorKind::Config => Code::InvalidConfig,
        ErrorKind::Input => Code::InvalidInput,
    }
}

impl Module for ImagePreprocess {
    const NAME: &'static str = "image_preprocess";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str =
        "Image preprocessing: PNG in, normalised float32 tensor out (RGB, bilinear resize to width x height, (x/255 - mean)/std, chw or hwc)";
    const INPUT: Format = Format::Bytes;
    const OUTPUT: Format = Format::F32;

    fn initialize(_session_id: &str) -> Result<Self, Code> {
        Ok(Self { config: ImageConfig::default() })
    }

    fn configure(&mut self, json: &str) -> Result<(), Code> {
        self.config = ImageConfig::from_json(json).map_err(refuse)?;
        Ok(())
    }

    fn process(&mut self, input: &[u8], output: &mut Vec<u8>) -> Result<(), Code> {
        let tensor = preprocess(&self.config, input).map_err(refuse)?;
        encode_f32(&tensor, output);
        Ok(())
    }
}

export_module!(ImagePreprocess);
