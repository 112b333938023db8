//! Documented node parameters and the validated configuration built from the wire's
//! string map.

use std::collections::HashMap;

use edgemix_dsp::Range;
use serde_json::{Map, Value};

use super::error::NodeError;
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
    pub doc: &'static str,
    /// The value used when the parameter is omitted, as JSON text ("" for none).
    pub default: String,
    pub required: bool,
}

impl ParamSpec {
    pub fn new(
        name: &'static str,
        kind: ParamType,
        default: impl Into<String>,
        doc: &'static str,
    ) -> Self {
        Self {
            name,
            kind,
            doc,
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
                "{node}: parameter {} = {value} is not allowed: expected {}",
                self.name,
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

/// A node's configuration: the parameters given, each parsed and checked against its
/// spec. Omitted parameters are absent (nodes apply their defaults).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NodeConfig {
    values: Map<String, Value>,
}

impl NodeConfig {
    /// Parses the wire's string map (`str(v)` of each value) against `params`. An
    /// unknown key, a missing required one or a bad value is refused with a message
    /// listing what is allowed.
    pub fn from_strings(
        node: &str,
        params: &[ParamSpec],
        raw: &HashMap<String, String>,
    ) -> Result<Self, NodeError> {
        let values = raw
            .iter()
            .map(|(k, v)| (k.clone(), parse_literal(v)))
            .collect();
        Self::from_values(node, params, values)
    }

    /// Checks already-typed values (a JSON object) against `params`.
    pub fn from_values(
        node: &str,
        params: &[ParamSpec],
        values: Map<String, Value>,
    ) -> Result<Self, NodeError> {
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
                    "{node}: unknown parameter {key:?}; allowed parameters: {allowed}"
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
