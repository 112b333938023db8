//! The registry's JSON Schema (`wasm-modules/wasm-modules.schema.json`, shipped in the npm
//! package) and the messages of its violations: one line each, naming the module and the
//! field (`module "vad": timeoutMs: must be ≤ 60000, received 90000`).

use std::sync::OnceLock;

use jsonschema::error::ValidationErrorKind;
use jsonschema::paths::LocationSegment;
use jsonschema::{ValidationError, Validator};
use serde_json::Value;

use crate::text::clip;

/// The schema text, the single home of the registry's rules.
pub const SCHEMA: &str = include_str!("../../../../wasm-modules/wasm-modules.schema.json");

/// Most violations one message lists (the rest are counted).
const MAX_LISTED: usize = 20;

fn schema() -> &'static Value {
    static SCHEMA_VALUE: OnceLock<Value> = OnceLock::new();
    SCHEMA_VALUE.get_or_init(|| serde_json::from_str(SCHEMA).expect("the registry schema is JSON"))
}

fn validator() -> &'static Validator {
    static VALIDATOR: OnceLock<Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        jsonschema::draft202012::new(schema()).expect("the registry schema is a valid 2020-12 schema")
    })
}

/// Every violation of the schema by `document`, one line each (at most [`MAX_LISTED`]
/// and a count of the rest); empty when it conforms.
pub fn violations(document: &Value) -> Vec<String> {
    let mut lines = Vec::new();
    let mut more = 0usize;
    for error in validator().iter_errors(document) {
        if lines.len() < MAX_LISTED {
            lines.push(line(&error));
        } else {
            more += 1;
        }
    }
    if more > 0 {
        lines.push(format!("... and {more} more problems"));
    }
    lines
}

/// The subschema a keyword of `error` belongs to (its schema path without the keyword).
fn subschema<'a>(error: &ValidationError<'_>) -> Option<&'a Value> {
    let path = error.schema_path().as_str();
    let parent = &path[..path.rfind('/')?];
    schema().pointer(parent)
}

/// Where the error is: `module "vad": allowRemote[1]`, `modules`, or the document itself.
fn place(segments: &[String]) -> String {
    match segments {
        [] => String::new(),
        [modules, name, rest @ ..] if modules == "modules" => {
            let mut out = format!("module {:?}", clip(name, 64));
            let mut first = true;
            for segment in rest {
                match segment.parse::<usize>() {
                    Ok(i) if !first => out.push_str(&format!("[{i}]")),
                    _ => {
                        out.push_str(if first { ": " } else { "." });
                        out.push_str(&clip(segment, 64));
                    }
                }
                first = false;
            }
            out
        }
        other => other.join("."),
    }
}

/// A value as a message repeats it: JSON, at most 60 characters.
fn shown(value: &Value) -> String {
    clip(&value.to_string(), 60).into_owned()
}

fn line(error: &ValidationError<'_>) -> String {
    let mut segments: Vec<String> = error
        .instance_path()
        .segments()
        .map(|s| match s {
            LocationSegment::Property(p) => p.to_string(),
            LocationSegment::Index(i) => i.to_string(),
        })
        .collect();
    let received = shown(error.instance());
    let problem = match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let allowed = subschema(error)
                .and_then(|s| s.get("properties"))
                .and_then(Value::as_object)
                .map(|p| p.keys().cloned().collect::<Vec<_>>().join(", "))
                .unwrap_or_default();
            let names: Vec<String> = unexpected.iter().map(|u| format!("{:?}", clip(u, 64))).collect();
            format!("unknown field {} (allowed: {allowed})", names.join(", "))
        }
        ValidationErrorKind::Required { property } => {
            segments.push(property.as_str().unwrap_or_default().to_owned());
            "missing (required)".to_owned()
        }
        ValidationErrorKind::Type { kind } => format!("must be {}, received {received}", type_name(kind)),
        ValidationErrorKind::Maximum { limit } => format!("must be ≤ {limit}, received {received}"),
        ValidationErrorKind::Minimum { limit } => format!("must be ≥ {limit}, received {received}"),
        ValidationErrorKind::MaxLength { limit } => format!("must be at most {limit} characters long"),
        ValidationErrorKind::MinLength { limit } => format!("must be at least {limit} characters long, received {received}"),
        ValidationErrorKind::MaxItems { limit } => format!("must list at most {limit} entries"),
        ValidationErrorKind::MaxProperties { limit } => format!("may hold at most {limit} entries"),
        ValidationErrorKind::MinProperties { limit } => format!("must hold at least {limit} entry"),
        ValidationErrorKind::UniqueItems => format!("lists an entry twice: {received}"),
        ValidationErrorKind::Enum { options } => format!("must be one of {}, received {received}", join_values(options)),
        ValidationErrorKind::Constant { expected_value } => format!("must be {expected_value}, received {received}"),
        ValidationErrorKind::Pattern { .. } => {
            let hint = subschema(error)
                .and_then(|s| s.get("description"))
                .and_then(Value::as_str)
                .unwrap_or("see wasm-modules.schema.json");
            format!("{received} is not allowed: {hint}")
        }
        ValidationErrorKind::PropertyNames { error: inner } => format!(
            "module name {} is not allowed: names are 1 to 64 lowercase letters, digits, '-' and '_', starting with a letter",
            shown(inner.instance())
        ),
        _ => error.to_string(),
    };
    let place = place(&segments);
    if place.is_empty() {
        problem
    } else {
        format!("{place}: {problem}")
    }
}

fn type_name(kind: &jsonschema::error::TypeKind) -> String {
    use jsonschema::error::TypeKind;
    let one = |t: &jsonschema::JsonType| match t.to_string().as_str() {
        "integer" => "a whole number".to_owned(),
        "object" => "a mapping".to_owned(),
        "array" => "a list".to_owned(),
        other => format!("a {other}"),
    };
    match kind {
        TypeKind::Single(t) => one(t),
        TypeKind::Multiple(ts) => ts.iter().map(|t| one(&t)).collect::<Vec<_>>().join(" or "),
    }
}

fn join_values(options: &Value) -> String {
    match options {
        Value::Array(items) => items.iter().map(Value::to_string).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}
