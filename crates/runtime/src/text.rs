//! A caller's text quoted in an error message, bounded: enough to recognise it, never
//! enough to make the message large.

/// Most characters of a caller's input (a node type, a parameter name or value, a format
/// or module name) a message repeats: enough to recognise it, never enough to make the
/// message large (a gRPC status travels in a header, where a long one fails the reply).
pub const ECHO_CHARS: usize = 200;

/// Most characters of a whole message; longer ones are cut (see [`clip`]).
pub const MESSAGE_CHARS: usize = 1000;

/// `text` split after `max` characters: the kept part and how many characters follow.
fn cut(text: &str, max: usize) -> Option<(&str, usize)> {
    let (end, _) = text.char_indices().nth(max)?;
    Some((&text[..end], text[end..].chars().count()))
}

/// `text` cut after `max` characters, saying how many were left out.
pub fn clip(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match cut(text, max) {
        None => text.into(),
        Some((kept, rest)) => format!("{kept}… ({rest} more characters)").into(),
    }
}

/// A caller's input as a message repeats it: quoted, at most [`ECHO_CHARS`] characters.
pub fn echo(text: &str) -> String {
    match cut(text, ECHO_CHARS) {
        None => format!("{text:?}"),
        Some((kept, rest)) => format!("{kept:?}… ({rest} more characters)"),
    }
}
