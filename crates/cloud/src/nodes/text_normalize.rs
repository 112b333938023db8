//! `TextNormalize`: `edgemix_preprocess::text`, the source of `text_normalize.wasm`, so
//! a hybrid proxy gets the same JSON from either side.

use edgemix_preprocess::text::{self, TextConfig};

use super::data::NodeData;
use super::error::NodeError;
use super::params::{ParamSpec, ParamType};
use super::preprocess_error;
use super::registry::NodeSpec;
use super::Node;

const NAME: &str = "TextNormalize";

struct TextNormalize {
    config: TextConfig,
}

impl Node for TextNormalize {
    /// UTF-8 bytes (format `bytes`) or a JSON string (format `json`) → `{text, tokens}`.
    fn process(&mut self, input: NodeData) -> Result<NodeData, NodeError> {
        let output = match &input {
            NodeData::Bytes(bytes) => text::normalize(&self.config, bytes),
            NodeData::Json(serde_json::Value::String(text)) => text::normalize(&self.config, text.as_bytes()),
            other => {
                return Err(NodeError::invalid(format!(
                    "{NAME} takes text, received {}: send UTF-8 bytes (format bytes) or a JSON string (format json)",
                    other.kind()
                )))
            }
        }
        .map_err(|e| preprocess_error(NAME, e))?;
        let value = serde_json::to_value(output).map_err(|e| NodeError::internal(format!("{NAME}: {e}")))?;
        Ok(NodeData::Json(value))
    }
}

pub fn spec() -> NodeSpec {
    NodeSpec::new(
        NAME,
        "text",
        "Unicode text normalisation, the same code as text_normalize.wasm: UTF-8 text (format bytes) or a JSON string \
         (format json) in, {\"text\": normalised, \"tokens\": [...]} out.",
        vec![
            ParamSpec::new("form", ParamType::String(&["NFKC", "NFC", "NFD", "NFKD", "none"]), "\"NFKC\"", "Unicode normalisation form (UAX #15)."),
            ParamSpec::new("lowercase", ParamType::Boolean, "true", "Unicode default lowercase mapping after normalisation (as JavaScript's toLowerCase)."),
            ParamSpec::new("split", ParamType::String(&["whitespace", "words", "none"]), "\"whitespace\"", "Tokens: between runs of Unicode White_Space, UAX #29 words with a letter or digit, or none."),
            ParamSpec::new("maxBytes", ParamType::Integer { min: 1, max: text::MAX_BYTES_LIMIT as i64 }, text::DEFAULT_MAX_BYTES.to_string(), "Longest input accepted, bytes."),
        ],
        |config, _| {
            let config = TextConfig::from_json(&config.to_object().to_string()).map_err(|e| preprocess_error(NAME, e))?;
            Ok(Box::new(TextNormalize { config }))
        },
    )
}
