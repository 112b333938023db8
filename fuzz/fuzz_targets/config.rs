//! Configuration decoding of every configurable object: the mixer chain (whole and
//! merged over a running configuration, stereo, loudness and adaptive included), the
//! analysis, genre, loudness, VAD and noise-suppression options, the text and image
//! preprocessing configurations (edge modules and cloud nodes share them), the WASM load options, module registry files
//! (`wasm-modules.yaml`), the cloud tier's node configuration strings (JSON or Python
//! literals) and the cloud client's options.
//!
//! Input: one selector byte, then the text of the configuration. JSON objects arrive in
//! the addon as JS values; here their text is parsed with serde_json first (which stops
//! at 128 levels, as the addon's converter stops earlier).
//!
//! For every input: no panic, no stack overflow however deep the value; every refusal is
//! the object's coded error with a message (and for the cloud tier a caller's error, never
//! an internal one); whatever is accepted can be used (a chain, an extractor, a classifier
//! is built from it) and its own serialisation is accepted again.

#![no_main]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use edgemix_dsp::genre::{GenreOptions, StreamingGenreClassifier, StreamingGenreOptions};
use edgemix_dsp::{
    AnalysisConfig, ChainConfig, ConfigError, Denoiser, FeatureExtractor, LoudnessConfig, MixerChain, Vad, VadConfig,
};
use edgemix_preprocess::image::ImageConfig;
use edgemix_preprocess::text::TextConfig;
use edgemix_fuzz::{guest, Spin};
use edgemix_preprocess::ErrorKind;
use edgemix_cloud::nodes::{BuiltinOptions, NodeContext, NodeErrorKind, NodeRegistry};
use edgemix_cloud::{ClientOptions, ClientTls, CloudClient, CloudErrorKind};
use edgemix_runtime::registry::ModuleRegistry;
use edgemix_runtime::wasm::{LoadOptions, Runtime, WasmError};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

/// A refusal of the DSP core: `ERR_INVALID_CONFIG` with a message naming the parameter.
fn refused(err: &ConfigError) {
    assert!(!err.message.is_empty(), "a refusal without a message: {err:?}");
    assert!(
        err.message.contains(&err.param),
        "the message does not name the parameter {:?}: {}",
        err.param,
        err.message
    );
}

fn chain(value: &Value) {
    match ChainConfig::from_json(value) {
        Ok(config) => accepted_chain(config),
        Err(err) => refused(&err),
    }
}

/// A running chain's configuration (stereo, loudness, adaptive) with `value` merged over it.
fn merged(value: &Value) {
    let running = ChainConfig::from_json(&json!({
        "channels": 2,
        "loudness": { "enabled": true, "targetLufs": -14 },
        "adaptive": { "enabled": true, "smoothingMs": 500 },
        "limiter": { "ceilingDb": -2 },
    }))
    .expect("the running configuration is valid");
    match running.merged(value) {
        Ok(config) => accepted_chain(config),
        Err(err) => refused(&err),
    }
}

fn accepted_chain(config: ChainConfig) {
    let printed = serde_json::to_value(&config).expect("a configuration serialises");
    if let Err(err) = ChainConfig::from_json(&printed) {
        panic!("the chain refuses its own configuration {printed}: {err:?}");
    }
    if let Err(err) = MixerChain::new(config) {
        panic!("an accepted configuration builds no chain: {err:?}");
    }
}

fn analysis(value: &Value) {
    match AnalysisConfig::from_json(value) {
        Ok(settings) => drop(FeatureExtractor::new(settings)),
        Err(err) => refused(&err),
    }
}

fn genre(value: &Value) {
    match GenreOptions::from_json(value) {
        Ok(rate) => assert!((16_000..=192_000).contains(&rate), "genre rate {rate}"),
        Err(err) => refused(&err),
    }
    match StreamingGenreOptions::from_json(value) {
        Ok((rate, options)) => {
            if let Err(err) = StreamingGenreClassifier::new(rate, options) {
                panic!("accepted genre options build no classifier: {err:?}");
            }
        }
        Err(err) => refused(&err),
    }
}

fn loudness(value: &Value) {
    match LoudnessConfig::from_json(value) {
        Ok(_) => {}
        Err(err) => refused(&err),
    }
}

fn vad(value: &Value) {
    match VadConfig::from_json(value) {
        Ok(config) => {
            if let Err(err) = Vad::new(config) {
                panic!("an accepted VAD configuration builds no VAD: {err:?}");
            }
        }
        Err(err) => refused(&err),
    }
}

/// The standalone noise suppressor (`new Denoiser(options)`).
fn denoise(value: &Value) {
    if let Err(err) = Denoiser::from_json(value) {
        refused(&err);
    }
}

/// The preprocessing cores read their configuration as JSON text, in `configure` of
/// `text_normalize.wasm` and `image_preprocess.wasm` and in the cloud nodes.
fn preprocess(text: &str) {
    for outcome in [TextConfig::from_json(text).map(drop), ImageConfig::from_json(text).map(drop)] {
        if let Err(err) = outcome {
            assert_eq!(err.kind, ErrorKind::Config, "{err:?}");
            assert!(!err.message.is_empty());
        }
    }
}

/// `WasmEdgeNode.load(source, options)`: the options as the binding reads them
/// (unknown keys and wrong types are `ERR_INVALID_CONFIG`), then their limits and allowlist.
fn wasm_load(value: &Value) {
    let Ok(options) = serde_json::from_value::<LoadOptions>(value.clone()) else {
        return;
    };
    for outcome in [options.limits().validate(), options.allowlist().map(drop)] {
        if let Err(err) = outcome {
            assert!(matches!(err, WasmError::InvalidConfig(_) | WasmError::InvalidOptions(_)), "{err:?}");
            assert!(!err.to_string().is_empty());
        }
    }
}

/// Whether loading a module a registry names may fail so: the registry's own refusal
/// (no WASM error), a missing file, a wrong hash, a module breaking the ABI or not
/// compiling, limits out of range.
fn registry_load_failure(err: &Option<WasmError>) -> bool {
    matches!(
        err,
        None | Some(
            WasmError::NotFound(_)
                | WasmError::Integrity { .. }
                | WasmError::Abi(_)
                | WasmError::Compile(_)
                | WasmError::InvalidConfig(_)
                | WasmError::InvalidOptions(_)
        )
    )
}

/// A registry's folder holding `guest.wasm` (the fuzz guest, declaring bytes in and out),
/// so that a registry can name a module that exists.
fn registry_file() -> &'static PathBuf {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("edgemix-fuzz-registry.{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a registry folder");
        std::fs::write(dir.join("guest.wasm"), guest("bytes", Spin::Trap)).expect("the guest is written");
        dir.join("wasm-modules.yaml")
    })
}

/// A module registry file (`initializeWasmEdge({ registry })`, `edgemix-server --modules`):
/// a refusal is the registry's own (no WASM error) with a message; an accepted registry's modules have
/// valid limits and allowlists, and loading each gives the module or a coded error.
fn registry(text: &str) {
    let file = registry_file();
    let registry = match ModuleRegistry::parse(text, file) {
        Ok(registry) => registry,
        Err(err) => {
            assert_eq!(err.wasm, None, "{err}");
            assert!(!err.message.is_empty());
            return;
        }
    };
    let runtime = Runtime::global(None).expect("the WASM runtime starts");
    for entry in registry.modules() {
        let options = entry.load_options();
        if let Err(err) = options.limits().validate() {
            panic!("the registry accepted {:?} with limits refused later: {err}", entry.name);
        }
        if let Err(err) = options.allowlist() {
            panic!("the registry accepted {:?} with an allowlist refused later: {err}", entry.name);
        }
        if let Err(err) = entry.load(&registry, runtime) {
            assert!(registry_load_failure(&err.wasm), "loading {:?} failed as {:?}: {err}", entry.name, err.wasm);
        }
    }
}

/// The cloud tier's `node_type` and `{k: str(v)}` map: the first line names the node,
/// every further line is `key=value`.
fn node_config(text: &str) {
    let mut lines = text.split('\n');
    let node = lines.next().unwrap_or_default();
    let config: HashMap<String, String> = lines
        .map(|line| match line.split_once('=') {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => (line.to_owned(), String::new()),
        })
        .collect();
    let registry = NodeRegistry::builtin(BuiltinOptions::default());
    if let Err(err) = registry.create(node, &config, &NodeContext::default()) {
        assert!(
            matches!(err.kind, NodeErrorKind::InvalidArgument),
            "a configuration refused as {:?} (not the caller's error): {}",
            err.kind,
            err.message
        );
        assert!(!err.message.is_empty());
    }
}

/// `new CloudClient({ endpoints, token, tls })`: line 1 the token, line 2 the TLS domain,
/// the rest endpoints; the whole text is also offered as the CA certificate.
fn client(text: &str) {
    let mut lines = text.split('\n');
    let token = lines.next().filter(|t| !t.is_empty()).map(str::to_owned);
    let domain = lines.next().filter(|d| !d.is_empty()).map(str::to_owned);
    let options = ClientOptions {
        endpoints: lines.map(str::to_owned).collect(),
        timeout: Duration::from_millis(100),
        connect_timeout: Duration::from_millis(100),
        token,
        tls: Some(ClientTls {
            ca_pem: Some(text.as_bytes().to_vec()),
            domain,
        }),
        ..ClientOptions::default()
    };
    if let Err(err) = CloudClient::new(options) {
        assert_eq!(err.kind, CloudErrorKind::InvalidOptions, "{err}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, text)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(text);
    let json = || serde_json::from_str::<Value>(&text).ok();
    match selector % 13 {
        0 => json().iter().for_each(chain),
        1 => json().iter().for_each(merged),
        2 => json().iter().for_each(analysis),
        3 => json().iter().for_each(genre),
        4 => json().iter().for_each(loudness),
        5 => json().iter().for_each(wasm_load),
        6 | 7 => node_config(&text),
        8 => preprocess(&text),
        9 => client(&text),
        10 => registry(&text),
        11 => json().iter().for_each(vad),
        _ => json().iter().for_each(denoise),
    }
});
