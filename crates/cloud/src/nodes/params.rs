//! Documented node parameters and the validated configuration built from the wire's
//! string map.

use std::borrow::Cow;
use std::collections::HashMap;

use edgemix_dsp::Range;
use serde_json::{Map, Value};

use super::error::{clip, echo, NodeError, ECHO_CHARS};
use super::literal::parse_literal;

/// The JSON type a parameter takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ParamType {
    /// A number; with a range, checked against it (the range also documents the unit).
    Number(Option<Range>),
    /// A whole number within `[min, max]`.
    Integer {
        min: i64,
        max: i64,
    },
    Boolean,
    /// One of the listed strings (any string when the list is empty).
    String(&'static [&'static str]),
    /// A JSON object (a Python dict), validated by the node.
    Object,
    /// A JSON array (a Python list) of exactly this many numbers.
    Numbers(usize),
}

impl ParamType {
    /// The type name listed by `ListNodes`.
    pub fn name(&self) -> &'static str {
        match self {
            ParamType::Number(_) => "number",
            ParamType::Integer { .. } => "integer",
            ParamType::Boolean => "boolean",
            ParamType::String(_) => "string",
            ParamType::Object => "object",
            ParamType::Numbers(_) => "array",
        }
    }

    /// What is allowed, for documentation and messages.
    pub fn allowed(&self) -> String {
        match self {
            ParamType::Number(Some(range)) => {
                let unit = if range.unit.is_empty() {
                    String::new()
                } else {
                    format!(" {}", range.unit)
                };
                format!("a number from {} to {}{unit}", range.min, range.max)
            }
            ParamType::Number(None) => "a number".into(),
            ParamType::Integer { min, max } => format!("a whole number from {min} to {max}"),
            ParamType::Boolean => "true or false (Python True/False)".into(),
            ParamType::String(choices) if choices.is_empty() => "a string".into(),
            ParamType::String(choices) => format!("one of {}", choices.join(", ")),
            ParamType::Object => "an object (a JSON object or a Python dict)".into(),
            ParamType::Numbers(count) => format!("a list of {count} numbers"),
        }
    }
}

/// One documented parameter of a node.
#[derive(Debug, Clone)]
pub struct ParamSpec {
    pub name: &'static str,
    pub kind: ParamType,
    /// What it does, with its unit.
    pub doc: Cow<'static, str>,
    /// The value used when the parameter is omitted, as JSON text ("" for none).
    pub default: String,
    pub required: bool,
}

impl ParamSpec {
    pub fn new(
        name: &'static str,
        kind: ParamType,
        default: impl Into<String>,
        doc: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            name,
            kind,
            doc: doc.into(),
            default: default.into(),
            required: false,
        }
    }

    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// The documentation listed by `ListNodes`: what it does and what is allowed.
    pub fn description(&self) -> String {
        format!("{} Allowed: {}.", self.doc, self.kind.allowed())
    }

    fn check(&self, node: &str, value: &Value) -> Result<(), NodeError> {
        let refuse = || {
            NodeError::invalid(format!(
                "{node}: parameter {} = {} is not allowed: expected {}",
                self.name,
                clip(&value.to_string(), ECHO_CHARS),
                self.kind.allowed()
            ))
        };
        match self.kind {
            ParamType::Number(range) => {
                let number = value.as_f64().ok_or_else(refuse)?;
                match range {
                    Some(range) => range
                        .check(number)
                        .map_err(|e| NodeError::invalid(format!("{node}: {e}"))),
                    None => Ok(()),
                }
            }
            ParamType::Integer { min, max } => match value.as_f64() {
                Some(n) if n.fract() == 0.0 && n >= min as f64 && n <= max as f64 => Ok(()),
                _ => Err(refuse()),
            },
            ParamType::Boolean => value.as_bool().map(|_| ()).ok_or_else(refuse),
            ParamType::String(choices) => match value.as_str() {
                Some(s) if choices.is_empty() || choices.contains(&s) => Ok(()),
                _ => Err(refuse()),
            },
            ParamType::Object => value.as_object().map(|_| ()).ok_or_else(refuse),
            ParamType::Numbers(count) => match value.as_array() {
                Some(items) if items.len() == count && items.iter().all(Value::is_number) => Ok(()),
                _ => Err(refuse()),
            },
        }
    }
}

/// `sample_rate` → `sampleRate`.
fn camel_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        match c {
            '_' if !out.is_empty() => upper = true,
            c if upper => {
                out.extend(c.to_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    out
}

/// Renames each key that is not a parameter but whose camelCase spelling is.
fn camel_case_keys(
    node: &str,
    params: &[ParamSpec],
    values: Map<String, Value>,
) -> Result<Map<String, Value>, NodeError> {
    let known = |key: &str| params.iter().any(|p| p.name == key);
    let mut out = Map::with_capacity(values.len());
    for (key, value) in values {
        let name = if !known(&key) && key.contains('_') {
            Some(camel_case(&key)).filter(|c| known(c)).unwrap_or(key)
        } else {
            key
        };
        if out.contains_key(&name) {
            return Err(NodeError::invalid(format!(
                "{node}: parameter {} is given twice, in camelCase and in snake_case; give it once",
                echo(&name)
            )));
        }
        out.insert(name, value);
    }
    Ok(out)
}

/// A node's configuration: the parameters given, each parsed and checked against its
/// spec. Omitted parameters are absent (nodes apply their defaults).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NodeConfig {
    values: Map<String, Value>,
}

impl NodeConfig {
    /// Parses the wire's string map (`str(v)` of each value) against `params`. An
    /// unknown key, a missing required one, a bad value or one nested more than
    /// [`edgemix_runtime::json::MAX_DEPTH`] levels is refused with a message listing what is allowed.
    pub fn from_strings(
        node: &str,
        params: &[ParamSpec],
        raw: &HashMap<String, String>,
    ) -> Result<Self, NodeError> {
        let values = raw
            .iter()
            .map(|(k, v)| match parse_literal(v) {
                Ok(value) => Ok((k.clone(), value)),
                Err(err) => Err(NodeError::invalid(format!(
                    "{node}: parameter {}: {err}",
                    echo(k)
                ))),
            })
            .collect::<Result<_, _>>()?;
        Self::from_values(node, params, values)
    }

    /// Checks already-typed values (a JSON object) against `params`. A snake_case key
    /// (RemoteMedia's spelling, `sample_rate`) stands for the node's camelCase parameter
    /// (`sampleRate`) when the node has no parameter of the key's own name; giving both
    /// spellings is refused.
    pub fn from_values(
        node: &str,
        params: &[ParamSpec],
        values: Map<String, Value>,
    ) -> Result<Self, NodeError> {
        let values = camel_case_keys(node, params, values)?;
        let mut keys: Vec<&String> = values.keys().collect();
        keys.sort();
        for key in keys {
            let Some(spec) = params.iter().find(|p| p.name == key) else {
                let mut allowed: Vec<&str> = params.iter().map(|p| p.name).collect();
                allowed.sort_unstable();
                let allowed = if allowed.is_empty() {
                    "none (this node takes no parameters)".into()
                } else {
                    allowed.join(", ")
                };
                return Err(NodeError::invalid(format!(
                    "{node}: unknown parameter {}; allowed parameters: {allowed}",
                    echo(key)
                )));
            };
            spec.check(node, &values[key])?;
        }
        if let Some(missing) = params
            .iter()
            .find(|p| p.required && !values.contains_key(p.name))
        {
            return Err(NodeError::invalid(format!(
                "{node}: parameter {} is required: {}",
                missing.name,
                missing.description()
            )));
        }
        Ok(Self { values })
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }

    pub fn f64_or(&self, name: &str, default: f64) -> f64 {
        self.get(name).and_then(Value::as_f64).unwrap_or(default)
    }

    pub fn str_or<'a>(&'a self, name: &str, default: &'a str) -> &'a str {
        self.get(name).and_then(Value::as_str).unwrap_or(default)
    }

    /// Every given parameter as one JSON object (for nodes configured by a document,
    /// such as the mixer's `ChainConfig`).
    pub fn to_object(&self) -> Value {
        Value::Object(self.values.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> Vec<ParamSpec> {
        vec![
            ParamSpec::new("sampleRate", ParamType::Number(None), "48000", "Hz."),
            ParamSpec::new("output_channels", ParamType::Number(None), "", "Count."),
        ]
    }

    fn config(pairs: &[(&str, &str)]) -> Result<NodeConfig, NodeError> {
        let raw = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        NodeConfig::from_strings("Node", &params(), &raw)
    }

    #[test]
    fn snake_case_spellings_stand_for_camel_case_parameters() {
        let snake = config(&[("sample_rate", "16000"), ("output_channels", "2")]).unwrap();
        assert_eq!(snake.f64_or("sampleRate", 0.0), 16000.0);
        assert_eq!(snake.f64_or("output_channels", 0.0), 2.0, "a snake_case parameter keeps its name");
        assert_eq!(snake, config(&[("sampleRate", "16000"), ("output_channels", "2")]).unwrap());
        let both = config(&[("sample_rate", "16000"), ("sampleRate", "8000")]).unwrap_err();
        assert!(both.message.contains("\"sampleRate\" is given twice"), "{}", both.message);
        let unknown = config(&[("frame_size", "1")]).unwrap_err();
        assert!(unknown.message.contains("unknown parameter \"frame_size\""), "{}", unknown.message);
        assert_eq!(camel_case("n_mfcc"), "nMfcc");
        assert_eq!(camel_case("_x"), "_x");
    }
}
