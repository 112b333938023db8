//! Text normalisation against Unicode's own examples (UAX #15 compatibility mappings,
//! the default lowercase mapping) and hostile input.

use edgemix_preprocess::text::{normalize, TextConfig};
use edgemix_preprocess::ErrorKind;

fn run(config: &str, input: &str) -> (String, Vec<String>) {
    let out = normalize(&TextConfig::from_json(config).unwrap(), input.as_bytes()).unwrap();
    (out.text, out.tokens)
}

#[test]
fn nfkc_folds_compatibility_forms_then_lowercases_and_splits_on_white_space() {
    // Full-width letters, the fi ligature, a superscript two, an ideographic space
    // (U+3000) and a no-break space (U+00A0) are all compatibility forms.
    let (text, tokens) = run("", "Ｈｅｌｌｏ\u{3000}ﬁne x²\u{a0}ΣΊΣΥΦΟΣ");
    assert_eq!(text, "hello fine x2 σίσυφος");
    assert_eq!(tokens, ["hello", "fine", "x2", "σίσυφος"]);
}

#[test]
fn forms_and_options() {
    assert_eq!(run(r#"{"form":"NFD","lowercase":false,"split":"none"}"#, "é").0, "e\u{301}");
    assert_eq!(run(r#"{"form":"NFC"}"#, "e\u{301}").0, "é");
    assert_eq!(run(r#"{"form":"none","lowercase":false}"#, "ﬁ").0, "ﬁ");
    // Already normalised text takes the quick path and comes back as it was.
    assert_eq!(run(r#"{"lowercase":false,"split":"none"}"#, "plain ascii, déjà vu").0, "plain ascii, déjà vu");
    assert_eq!(run(r#"{"split":"words"}"#, "Hello, world! It's 3.5 km.").1, ["hello", "world", "it's", "3.5", "km"]);
}

#[test]
fn refuses_invalid_utf8_long_input_and_bad_config() {
    let config = TextConfig::from_json(r#"{"maxBytes": 8}"#).unwrap();
    let bad = normalize(&config, b"ok\xffno").unwrap_err();
    assert_eq!(bad.kind, ErrorKind::Input);
    assert!(bad.message.contains("not valid UTF-8") && bad.message.contains("byte 2"), "{}", bad.message);
    let long = normalize(&config, b"123456789").unwrap_err();
    assert_eq!(long.message, "text input is 9 bytes; maxBytes allows 8");
    for (json, needle) in [
        (r#"{"maxBytes": 0}"#, "maxBytes = 0 is out of range"),
        (r#"{"form": "NFX"}"#, "unknown variant `NFX`"),
        (r#"{"lowercas": true}"#, "unknown field `lowercas`"),
        ("7", "invalid type: integer `7`"),
    ] {
        let err = TextConfig::from_json(json).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Config);
        assert!(err.message.contains(needle), "{json}: {}", err.message);
    }
}
