//! Configuration values as they arrive on the wire: strings, because the Python client
//! sends `{k: str(v)}`. `str()` of a Python value is a JSON literal for numbers and
//! strings-in-lists of double quotes, but Python's own repr for the rest: `True`,
//! `False`, `None`, single-quoted strings, tuples. A bare string (`str("gain")` is
//! `gain`) is itself. Values nested deeper than [`MAX_DEPTH`] are refused, in either
//! syntax.

use serde_json::{Map, Number, Value};

use edgemix_runtime::json::{JsonError, MAX_DEPTH};

/// The value a configuration string stands for: JSON if it parses as JSON, else a
/// Python literal (`True`, `None`, `{'ratio': 4}`, `(1, 2)`), else the string itself;
/// `TooDeep` for JSON or a Python literal nested more than [`MAX_DEPTH`] levels.
pub fn parse_literal(text: &str) -> Result<Value, JsonError> {
    match edgemix_runtime::json::parse(text.as_bytes()) {
        Ok(value) => return Ok(value),
        Err(JsonError::TooDeep) => return Err(JsonError::TooDeep),
        Err(JsonError::Syntax(_)) => {}
    }
    let mut parser = Parser {
        text: text.as_bytes(),
        pos: 0,
        too_deep: false,
    };
    match parser.value() {
        Some(value) if parser.at_end() => Ok(value),
        _ if parser.too_deep => Err(JsonError::TooDeep),
        _ => Ok(Value::String(text.to_owned())),
    }
}

/// A recursive-descent parser of the Python literal subset `repr()` produces for
/// JSON-like data. `None` means "not a Python literal"; `too_deep` tells whether that is
/// because it nests more than [`MAX_DEPTH`] levels (the limit also bounds the recursion).
struct Parser<'a> {
    text: &'a [u8],
    pos: usize,
    too_deep: bool,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self.text.get(self.pos).is_some_and(u8::is_ascii_whitespace) {
            self.pos += 1;
        }
    }

    fn at_end(&mut self) -> bool {
        self.skip_ws();
        self.pos == self.text.len()
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.text.get(self.pos).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Option<Value> {
        self.nested(0)
    }

    /// A value inside `depth` levels of lists, tuples and dicts.
    fn nested(&mut self, depth: usize) -> Option<Value> {
        if depth >= MAX_DEPTH && matches!(self.peek()?, b'[' | b'(' | b'{') {
            self.too_deep = true;
            return None;
        }
        match self.peek()? {
            b'[' => self.sequence(b'[', b']', depth),
            b'(' => self.sequence(b'(', b')', depth),
            b'{' => self.dict(depth),
            b'\'' | b'"' => self.string().map(Value::String),
            _ => self.word(),
        }
    }

    /// A list or tuple (both become JSON arrays); trailing commas allowed.
    fn sequence(&mut self, open: u8, close: u8, depth: usize) -> Option<Value> {
        self.eat(open);
        let mut items = Vec::new();
        loop {
            if self.eat(close) {
                return Some(Value::Array(items));
            }
            items.push(self.nested(depth + 1)?);
            if !self.eat(b',') {
                return self.eat(close).then_some(Value::Array(items));
            }
        }
    }

    /// A dict with string keys.
    fn dict(&mut self, depth: usize) -> Option<Value> {
        self.eat(b'{');
        let mut map = Map::new();
        loop {
            if self.eat(b'}') {
                return Some(Value::Object(map));
            }
            if !matches!(self.peek()?, b'\'' | b'"') {
                return None;
            }
            let key = self.string()?;
            if !self.eat(b':') {
                return None;
            }
            map.insert(key, self.nested(depth + 1)?);
            if !self.eat(b',') {
                return self.eat(b'}').then_some(Value::Object(map));
            }
        }
    }

    /// A quoted string with Python's common escapes.
    fn string(&mut self) -> Option<String> {
        let quote = self.peek()?;
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let byte = *self.text.get(self.pos)?;
            self.pos += 1;
            match byte {
                b'\\' => {
                    let escaped = *self.text.get(self.pos)?;
                    self.pos += 1;
                    out.push(match escaped {
                        b'n' => b'\n',
                        b't' => b'\t',
                        b'r' => b'\r',
                        b'0' => 0,
                        other => other,
                    });
                }
                b if b == quote => return String::from_utf8(out).ok(),
                b => out.push(b),
            }
        }
    }

    /// `True`, `False`, `None` or a number.
    fn word(&mut self) -> Option<Value> {
        let start = self.pos;
        while self
            .text
            .get(self.pos)
            .is_some_and(|b| b.is_ascii_alphanumeric() || b"+-._".contains(b))
        {
            self.pos += 1;
        }
        let word = std::str::from_utf8(&self.text[start..self.pos]).ok()?;
        match word {
            "True" => Some(Value::Bool(true)),
            "False" => Some(Value::Bool(false)),
            "None" => Some(Value::Null),
            _ => {
                let word = word.replace('_', "");
                if let Ok(int) = word.parse::<i64>() {
                    Some(Value::Number(int.into()))
                } else {
                    word.parse::<f64>()
                        .ok()
                        .and_then(Number::from_f64)
                        .map(Value::Number)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_literal, JsonError, MAX_DEPTH};
    use serde_json::{json, Value};

    fn parse_literal_ok(text: &str) -> Value {
        parse_literal(text).expect("a value within the nesting limit")
    }

    #[test]
    fn reads_what_python_str_produces() {
        // Each left side is Python's str(v) of the right side.
        assert_eq!(parse_literal_ok("4"), json!(4));
        assert_eq!(parse_literal_ok("-3.5"), json!(-3.5));
        assert_eq!(parse_literal_ok("True"), json!(true));
        assert_eq!(parse_literal_ok("False"), json!(false));
        assert_eq!(parse_literal_ok("None"), json!(null));
        assert_eq!(parse_literal_ok("gain"), json!("gain"));
        assert_eq!(
            parse_literal_ok("{'ratio': 4, 'bypass': False}"),
            json!({"ratio": 4, "bypass": false})
        );
        assert_eq!(parse_literal_ok("[1, 2.5, 'a']"), json!([1, 2.5, "a"]));
        assert_eq!(parse_literal_ok("(1, 2)"), json!([1, 2]));
        assert_eq!(
            parse_literal_ok("{'a': {'b': [None, True]}}"),
            json!({"a": {"b": [null, true]}})
        );
        assert_eq!(parse_literal_ok("{\"a\": 1}"), json!({"a": 1}));
        assert_eq!(parse_literal_ok("'it\\'s'"), json!("it's"));
    }

    #[test]
    fn keeps_other_text_as_a_string() {
        assert_eq!(parse_literal_ok("nan"), json!("nan"));
        assert_eq!(parse_literal_ok("{'a': 1"), json!("{'a': 1"));
        assert_eq!(parse_literal_ok(""), json!(""));
        assert_eq!(parse_literal_ok("hello world"), json!("hello world"));
    }

    #[test]
    fn refuses_values_nested_past_the_limit_in_either_syntax() {
        let python = |levels: usize| format!("{}{}", "(".repeat(levels), ")".repeat(levels));
        let json = |levels: usize| format!("{}{}", "[".repeat(levels), "]".repeat(levels));
        let depth = |text: &str| edgemix_runtime::json::depth(&parse_literal_ok(text));
        assert_eq!(depth(&python(MAX_DEPTH)), MAX_DEPTH);
        assert_eq!(parse_literal(&python(MAX_DEPTH + 1)), Err(JsonError::TooDeep));
        assert_eq!(depth(&json(MAX_DEPTH)), MAX_DEPTH);
        assert_eq!(parse_literal(&json(MAX_DEPTH + 1)), Err(JsonError::TooDeep));
        // Far past the stack: each parser stops at the limit.
        assert_eq!(parse_literal(&python(100_000)), Err(JsonError::TooDeep));
        assert_eq!(parse_literal(&json(100_000)), Err(JsonError::TooDeep));
        let dicts = format!("{}1{}", "{'a': ".repeat(100_000), "}".repeat(100_000));
        assert_eq!(parse_literal(&dicts), Err(JsonError::TooDeep));
    }
}
