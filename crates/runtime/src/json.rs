//! The nesting limit of JSON-like values that cross a boundary: configuration and options
//! from JS, configuration strings and `json` payloads from gRPC clients.
//!
//! Parsing, converting, printing and dropping a nested value each recurse once per level,
//! so a value nested without bound (an array 100,000 deep is 200 KB of text) would
//! overflow the stack and kill the process. Configuration is shallow (three levels for a
//! mixer config), so one limit, [`MAX_DEPTH`], serves every path: the JS converter of the
//! addon, the Python-literal parser and [`parse`].

use serde_json::Value;

/// Most levels of arrays and objects a value may nest: `[]` is one level, `{"a": [1]}`
/// two. Deeper values are refused with a message naming this limit.
pub const MAX_DEPTH: usize = 64;

/// The nesting depth of `value` (a scalar is 0), computed without recursion.
pub fn depth(value: &Value) -> usize {
    let mut deepest = 0;
    let mut pending = vec![(value, 0usize)];
    while let Some((value, above)) = pending.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match value {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(map) => Box::new(map.values()),
            _ => continue,
        };
        let level = above + 1;
        deepest = deepest.max(level);
        pending.extend(children.map(|child| (child, level)));
    }
    deepest
}

/// Why [`parse`] refused a text.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonError {
    /// Not JSON (serde_json's reason, with line and column).
    Syntax(String),
    /// Nested more than [`MAX_DEPTH`] levels.
    TooDeep,
}

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JsonError::Syntax(reason) => f.write_str(reason),
            JsonError::TooDeep => write!(
                f,
                "the value is nested more than {MAX_DEPTH} levels deep (at most {MAX_DEPTH} levels of arrays and objects are allowed)"
            ),
        }
    }
}

/// Parses JSON text nested at most [`MAX_DEPTH`] levels. serde_json stops its own
/// recursion at 128 levels (its parser never overflows the stack); the tighter limit is
/// checked on the parsed value.
pub fn parse(bytes: &[u8]) -> Result<Value, JsonError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        if e.to_string().starts_with("recursion limit exceeded") {
            JsonError::TooDeep
        } else {
            JsonError::Syntax(e.to_string())
        }
    })?;
    if depth(&value) > MAX_DEPTH {
        return Err(JsonError::TooDeep);
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn nested(levels: usize) -> String {
        format!("{}{}", "[".repeat(levels), "]".repeat(levels))
    }

    #[test]
    fn measures_depth() {
        assert_eq!(depth(&json!(1)), 0);
        assert_eq!(depth(&json!([])), 1);
        assert_eq!(depth(&json!({"a": [1, {"b": {}}], "c": 2})), 4);
    }

    #[test]
    fn parses_up_to_the_limit_and_refuses_deeper() {
        let at_limit = parse(nested(MAX_DEPTH).as_bytes()).unwrap();
        assert_eq!(depth(&at_limit), MAX_DEPTH);
        assert_eq!(parse(nested(MAX_DEPTH + 1).as_bytes()), Err(JsonError::TooDeep));
        // Past serde_json's own recursion limit, and far past the stack.
        assert_eq!(parse(nested(100_000).as_bytes()), Err(JsonError::TooDeep));
        assert!(matches!(parse(b"[1,"), Err(JsonError::Syntax(m)) if m.contains("EOF")));
    }
}
