//! Which wire format a caller's input travels in when the caller names none.

/// What a JS input is, as far as the choice of format goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// A `Float32Array`.
    Float32Array,
    /// A `Buffer`, `Uint8Array` or another typed array / `DataView`: its bytes.
    ByteView,
    /// A string: its UTF-8 bytes (text for the text nodes and modules).
    String,
    /// Any other JSON-serialisable value (object, array, number, boolean, null).
    JsonValue,
}

impl InputKind {
    /// The name of the format (a RemoteExecutionService `serialization`) this kind of
    /// input travels in when none is named: samples as `f32le`, bytes and strings (UTF-8)
    /// as `bytes`, everything else as its JSON text, `json`.
    pub const fn default_format(self) -> &'static str {
        match self {
            InputKind::Float32Array => "f32le",
            InputKind::ByteView | InputKind::String => "bytes",
            InputKind::JsonValue => "json",
        }
    }
}
