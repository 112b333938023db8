//! The mixer parameters' documentation is generated from `edgemix_dsp::parameters`, and
//! this test is the generator: the typings' config interfaces (`src/typedefs.d.ts`, and
//! `index.d.ts`, which napi copies it into) and the README's parameter table must equal
//! what the table generates, or the test fails with a diff. With `EDGEMIX_WRITE_DOCS=1`
//! it writes the generated blocks into those files instead. The table itself is checked
//! against the configuration: every key of every stage, and every range as the chain's
//! validation enforces it.

use std::path::PathBuf;

use edgemix_dsp::parameters::{self, Kind, Parameter, Stage, CHANNELS, SAMPLE_RATE, STAGES};
use edgemix_dsp::{ChainConfig, Channels};
use serde_json::{json, Value};

const WRITE: &str = "EDGEMIX_WRITE_DOCS";
const FIX: &str = "EDGEMIX_WRITE_DOCS=1 cargo test -p edgemix-dsp --test parameter_docs";
const WHAT: &str = "mixer parameters";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn banner() -> String {
    format!("BEGIN GENERATED: {WHAT}, from crates/dsp/src/mixer/parameters.rs — do not edit; run `{FIX}`")
}

fn end() -> String {
    format!("END GENERATED: {WHAT}")
}

/// A number as the typings write it: `-50`, `0.1`.
fn num(value: &Value) -> String {
    parameters::number(value)
}

/// A number as the README writes it: a true minus sign.
fn readme_num(x: f64) -> String {
    x.to_string().replace('-', "−")
}

/// The default of a top-level key.
fn top_level_default(p: &Parameter) -> Value {
    match p.key() {
        "channels" => parameters::default_channels(),
        _ => parameters::default_sample_rate(),
    }
}

fn typescript_doc(stage: Option<&Stage>, p: &Parameter) -> String {
    let default = match stage {
        Some(stage) => stage.default_of(p),
        None => top_level_default(p),
    };
    match p.kind {
        Kind::Number(range) | Kind::Count(range) => {
            let unit = if range.unit.is_empty() {
                String::new()
            } else {
                format!(", {}", range.unit)
            };
            format!(
                "{}{unit}, {}..{}. Default {}.",
                p.doc,
                range.min,
                range.max,
                num(&default)
            )
        }
        Kind::Flag(_) => format!("{}. Default {default}.", p.doc),
    }
}

/// The config interfaces of `src/typedefs.d.ts`, one per stage, and `MixerConfig`.
fn typescript() -> String {
    let mut out = format!("/* {} */\n", banner());
    for stage in STAGES {
        out += &format!(
            "\n/** {}. */\nexport interface {} {{\n",
            stage.doc, stage.interface
        );
        for p in stage.parameters {
            let ty = match p.kind {
                Kind::Number(_) | Kind::Count(_) => "number",
                Kind::Flag(_) => "boolean",
            };
            out += &format!(
                "  /** {} */\n  {}: {ty}\n",
                typescript_doc(Some(stage), p),
                p.key()
            );
        }
        out += "}\n";
    }
    out += "\n/** The whole chain: (noise suppression) -> gate -> compressor -> EQ -> (loudness normalisation) -> limiter. */\n";
    out += "export interface MixerConfig {\n";
    out += &format!(
        "  /** {} */\n  {}: number\n",
        typescript_doc(None, &SAMPLE_RATE),
        SAMPLE_RATE.key()
    );
    let Kind::Count(channels) = CHANNELS.kind else {
        unreachable!("channels is a count")
    };
    let layouts: Vec<String> = (channels.min as u32..=channels.max as u32)
        .map(|n| n.to_string())
        .collect();
    out += &format!(
        "  /** {} Present only when not mono. */\n  {}?: {}\n",
        typescript_doc(None, &CHANNELS),
        CHANNELS.key(),
        layouts.join(" | ")
    );
    for stage in STAGES {
        if stage.optional {
            out += "  /** Present once set to anything but its defaults (off). */\n";
            out += &format!("  {}?: {}\n", stage.key, stage.interface);
        } else {
            out += &format!("  {}: {}\n", stage.key, stage.interface);
        }
    }
    out += "}\n";
    out + &format!("/* {} */\n", end())
}

fn readme_row(stage: &str, p: &Parameter, default: &Value) -> String {
    let (Kind::Number(range) | Kind::Count(range)) = p.kind else {
        unreachable!("flags have no row")
    };
    let limits = if range.min == -range.max {
        format!("±{}", range.max)
    } else {
        format!("{}–{}", readme_num(range.min), readme_num(range.max))
    };
    let default = default
        .as_f64()
        .map(readme_num)
        .unwrap_or_else(|| default.to_string());
    let key = format!("`{}`", p.key());
    let cells = [stage, &key, p.doc, range.unit, &limits, &default];
    assert!(
        cells.iter().all(|cell| !cell.contains('|')),
        "{}: a `|` would split the README's table row",
        range.name
    );
    cells
        .iter()
        .fold("|".to_string(), |row, cell| match cell.is_empty() {
            true => row + " |",
            false => row + " " + cell + " |",
        })
        + "\n"
}

/// The README's parameter table: every number (flags are described below it).
fn readme() -> String {
    let mut out = format!("<!-- {} -->\n", banner());
    out += "| stage | parameter | what | unit | range | default |\n| --- | --- | --- | --- | --- | --- |\n";
    out += &readme_row("", &SAMPLE_RATE, &parameters::default_sample_rate());
    out += &readme_row("", &CHANNELS, &parameters::default_channels());
    for stage in STAGES {
        let mut first = true;
        for p in stage
            .parameters
            .iter()
            .filter(|p| !matches!(p.kind, Kind::Flag(_)))
        {
            out += &readme_row(if first { stage.key } else { "" }, p, &stage.default_of(p));
            first = false;
        }
    }
    out + &format!("<!-- {} -->\n", end())
}

/// `text` with its generated block (from the line holding the BEGIN marker to the line
/// holding the END marker) replaced by `block`.
fn spliced(file: &str, text: &str, block: &str) -> String {
    let begin = format!("BEGIN GENERATED: {WHAT},");
    let start = text
        .find(&begin)
        .map(|i| text[..i].rfind('\n').map_or(0, |n| n + 1))
        .unwrap_or_else(|| {
            panic!("{file}: no line with `{begin}` marks where the generated block goes")
        });
    let stop = text[start..]
        .find(&end())
        .map(|i| start + i)
        .and_then(|i| text[i..].find('\n').map(|n| i + n + 1))
        .unwrap_or_else(|| {
            panic!(
                "{file}: the generated block has no `{}` line after it",
                end()
            )
        });
    format!("{}{block}{}", &text[..start], &text[stop..])
}

/// The lines that differ between two texts (after their common start and end).
fn diff(committed: &str, generated: &str) -> String {
    let a: Vec<&str> = committed.lines().collect();
    let b: Vec<&str> = generated.lines().collect();
    let head = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let mut out = format!("@@ line {} @@\n", head + 1);
    for line in &a[head..a.len() - tail] {
        out += &format!("- {line}\n");
    }
    for line in &b[head..b.len() - tail] {
        out += &format!("+ {line}\n");
    }
    out
}

#[test]
fn committed_documentation_is_the_generated_one() {
    let write = std::env::var_os(WRITE).is_some();
    let ts = typescript();
    let mut stale = Vec::new();
    for (file, block) in [
        ("src/typedefs.d.ts", &ts),
        ("index.d.ts", &ts),
        ("README.md", &readme()),
    ] {
        let path = root().join(file);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
        let generated = spliced(file, &text, block);
        if generated == text {
            continue;
        }
        if write {
            std::fs::write(&path, &generated).unwrap_or_else(|e| panic!("{file}: {e}"));
        } else {
            stale.push(format!(
                "{file} (- committed, + generated):\n{}",
                diff(&text, &generated)
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "the mixer parameters' documentation differs from crates/dsp/src/mixer/parameters.rs:\n\n{}\nfix: {FIX}\n",
        stale.join("\n")
    );
}

/// The keys of a JSON object, sorted.
fn keys(object: &Value) -> Vec<&str> {
    object
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

fn sorted(mut keys: Vec<&str>) -> Vec<&str> {
    keys.sort_unstable();
    keys
}

#[test]
fn the_table_names_every_key_of_every_stage() {
    let chain = serde_json::to_value(ChainConfig::default()).unwrap();
    let mut expected = vec![SAMPLE_RATE.key()];
    expected.extend(STAGES.iter().filter(|s| !s.optional).map(|s| s.key));
    assert_eq!(
        keys(&chain),
        sorted(expected),
        "the chain's top-level keys (channels and optional stages are absent at their defaults)"
    );
    let mut everything = ChainConfig::default();
    everything.channels = Channels::Stereo;
    everything.denoise.enabled = true;
    everything.loudness.enabled = true;
    everything.adaptive.0.enabled = true;
    let all = serde_json::to_value(everything).unwrap();
    assert_eq!(
        sorted(keys(&all)),
        sorted(
            [SAMPLE_RATE.key(), CHANNELS.key()]
                .into_iter()
                .chain(STAGES.iter().map(|s| s.key))
                .collect()
        ),
        "every stage of the chain is in the table"
    );
    for stage in STAGES {
        let defaults = (stage.defaults)();
        let documented: Vec<&str> = stage.parameters.iter().map(|p| p.key()).collect();
        assert_eq!(
            sorted(documented),
            keys(&defaults),
            "{}: the table's keys",
            stage.key
        );
        assert_eq!(
            keys(&all[stage.key]),
            keys(&defaults),
            "{}: the stage as the chain serialises it",
            stage.key
        );
        for p in stage.parameters {
            let default = stage.default_of(p);
            match p.kind {
                Kind::Number(range) | Kind::Count(range) => {
                    assert_eq!(
                        range.name,
                        format!("{}.{}", stage.key, p.key()),
                        "the range names its dotted path"
                    );
                    let x = default.as_f64().unwrap_or_else(|| {
                        panic!("{}: default {default} is not a number", range.name)
                    });
                    assert!(
                        range.check(x).is_ok(),
                        "{}: default {x} outside its range",
                        range.name
                    );
                }
                Kind::Flag(key) => assert!(
                    default.is_boolean(),
                    "{}.{key}: default {default} is not a boolean",
                    stage.key
                ),
            }
            assert!(
                !p.doc.is_empty() && !p.doc.ends_with('.'),
                "{}.{}: doc without trailing period",
                stage.key,
                p.key()
            );
        }
        assert!(parameters::stage(stage.key).is_some());
    }
}

/// The chain configuration that sets the dotted `path` to `value` (with the EQ's
/// frequencies low enough for an 8 kHz sample rate).
fn config_with(path: &str, value: f64) -> Value {
    let mut config = json!({ "eq": { "midFreqHz": 1000.0, "highFreqHz": 1000.0 } });
    match path.split_once('.') {
        Some((stage, key)) => config[stage][key] = json!(value),
        None => config[path] = json!(value),
    }
    config
}

#[test]
fn the_chain_enforces_exactly_the_documented_ranges() {
    let numbers = [&SAMPLE_RATE, &CHANNELS]
        .into_iter()
        .chain(STAGES.iter().flat_map(|s| s.parameters))
        .filter_map(|p| match p.kind {
            Kind::Number(range) => Some((range, false)),
            Kind::Count(range) => Some((range, true)),
            Kind::Flag(_) => None,
        });
    let mut checked = 0;
    for (range, whole) in numbers {
        for edge in [range.min, range.max] {
            let config = config_with(range.name, edge);
            assert!(
                ChainConfig::from_json(&config).is_ok(),
                "{} = {edge} is documented as allowed",
                range.name
            );
        }
        let step = (range.max - range.min) * 1e-6;
        for outside in [range.min - step, range.max + step] {
            let err =
                ChainConfig::from_json(&config_with(range.name, outside)).expect_err(range.name);
            assert_eq!(
                err.param, range.name,
                "{} = {outside}: {}",
                range.name, err.message
            );
        }
        if whole {
            // A count takes whole numbers only: the midpoint between two is refused.
            let between = range.min + 0.5;
            let err = ChainConfig::from_json(&config_with(range.name, between))
                .expect_err(range.name);
            assert_eq!(
                err.param, range.name,
                "{} = {between}: {}",
                range.name, err.message
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 2 + 1 + 6 + 6 + 7 + 3 + 4 + 1);
}
