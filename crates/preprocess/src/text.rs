//! Text normalisation: UTF-8 text → Unicode normalisation form → lowercase → tokens.
//!
//! The output is JSON `{"text": normalised, "tokens": [...]}`:
//! - `form` (`NFKC` by default; `NFC`, `NFD`, `NFKD`, `none`): Unicode normalisation
//!   (UAX #15, by `unicode-normalization`). NFKC folds compatibility variants
//!   (full-width letters, ligatures, superscripts) into their plain forms.
//! - `lowercase` (default true): Unicode's default lowercase mapping (`str::to_lowercase`,
//!   as JavaScript's `toLowerCase()`: final sigma included), applied after `form`.
//! - `split` (`whitespace` by default): tokens between runs of Unicode `White_Space`;
//!   `words`: the words of UAX #29 word segmentation that contain a letter or a digit
//!   (by `unicode-segmentation`; punctuation and spaces are dropped, `it's` and `3.5`
//!   stay whole); `none`: no tokens (an empty list).
//! - `maxBytes` (1 to 16 MiB, default 64 KiB): longer input is refused before any work.
//!   Text already in the requested form (the quick check of UAX #15 says so) is not
//!   normalised again. In WASM a MiB of text takes a few hundred ms; raise `timeoutMs`
//!   with `maxBytes`.

use serde::{Deserialize, Serialize};
use unicode_normalization::{is_nfc_quick, is_nfd_quick, is_nfkc_quick, is_nfkd_quick, IsNormalized, UnicodeNormalization};
use unicode_segmentation::UnicodeSegmentation;

use crate::Error;

/// The largest `maxBytes`, bytes.
pub const MAX_BYTES_LIMIT: usize = 16 << 20;
/// The default `maxBytes`, bytes: a long message, within the default WASM time limit.
pub const DEFAULT_MAX_BYTES: usize = 64 << 10;

/// A Unicode normalisation form, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum Form {
    #[default]
    #[serde(rename = "NFKC")]
    Nfkc,
    #[serde(rename = "NFC")]
    Nfc,
    #[serde(rename = "NFD")]
    Nfd,
    #[serde(rename = "NFKD")]
    Nfkd,
    #[serde(rename = "none")]
    None,
}

/// How the normalised text is cut into tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    #[default]
    Whitespace,
    Words,
    None,
}

/// Settings of [`normalize`] (JSON, camelCase; omitted keys take the defaults).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct TextConfig {
    pub form: Form,
    pub lowercase: bool,
    pub split: Split,
    /// Longest input accepted, bytes, 1 to [`MAX_BYTES_LIMIT`].
    pub max_bytes: usize,
}

impl Default for TextConfig {
    fn default() -> Self {
        Self { form: Form::Nfkc, lowercase: true, split: Split::Whitespace, max_bytes: DEFAULT_MAX_BYTES }
    }
}

impl TextConfig {
    /// Parses and checks a JSON object (`""` = defaults).
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let config: Self = crate::parse_config("text", json)?;
        if !(1..=MAX_BYTES_LIMIT).contains(&config.max_bytes) {
            return Err(Error::config(format!(
                "text configuration: maxBytes = {} is out of range: allowed 1 to {MAX_BYTES_LIMIT} bytes",
                config.max_bytes
            )));
        }
        Ok(config)
    }
}

/// What [`normalize`] gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TextOutput {
    pub text: String,
    pub tokens: Vec<String>,
}

/// Normalises UTF-8 `input`. Refuses input longer than `maxBytes` and bytes that are not
/// UTF-8 (the message gives the offset of the first bad byte).
pub fn normalize(config: &TextConfig, input: &[u8]) -> Result<TextOutput, Error> {
    if input.len() > config.max_bytes {
        return Err(Error::input(format!(
            "text input is {} bytes; maxBytes allows {}",
            input.len(),
            config.max_bytes
        )));
    }
    let text = std::str::from_utf8(input).map_err(|e| {
        Error::input(format!("text input is not valid UTF-8: invalid byte sequence at byte {}", e.valid_up_to()))
    })?;
    let quick = match config.form {
        Form::Nfkc => is_nfkc_quick(text.chars()),
        Form::Nfc => is_nfc_quick(text.chars()),
        Form::Nfd => is_nfd_quick(text.chars()),
        Form::Nfkd => is_nfkd_quick(text.chars()),
        Form::None => IsNormalized::Yes,
    };
    let formed: String = match (quick, config.form) {
        (IsNormalized::Yes, _) | (_, Form::None) => text.to_owned(),
        (_, Form::Nfkc) => text.nfkc().collect(),
        (_, Form::Nfc) => text.nfc().collect(),
        (_, Form::Nfd) => text.nfd().collect(),
        (_, Form::Nfkd) => text.nfkd().collect(),
    };
    let text = if config.lowercase { formed.to_lowercase() } else { formed };
    let tokens = match config.split {
        Split::Whitespace => text.split(char::is_whitespace).filter(|t| !t.is_empty()).map(str::to_owned).collect(),
        Split::Words => text.unicode_words().map(str::to_owned).collect(),
        Split::None => Vec::new(),
    };
    Ok(TextOutput { text, tokens })
}
