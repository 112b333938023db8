//! `edgemix-server --modules wasm-modules.yaml`: the WasmModule node runs the modules of a
//! registry by name (the product registry, against the modules built beside it), and a
//! registry with a bad module stops the start with one line per problem.

mod support;

use std::path::PathBuf;
use std::process::Command;

use bytes::Bytes;
use edgemix_cloud::{ClientOptions, CloudClient, CloudErrorCode, Serialization};
use serde_json::json;
use support::{f32le, Server};

fn product_registry() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../wasm-modules/wasm-modules.yaml")
}

fn run(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_edgemix-server"))
        .args(["--host", "127.0.0.1", "--port", "0"])
        .args(args)
        .output()
        .unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wasm_module_node_runs_registry_modules_by_name() {
    let registry = product_registry();
    let mut server = Server::start(&["--modules", registry.to_str().unwrap(), "--self-test-secs", "0"]);
    let client = CloudClient::new(ClientOptions {
        endpoints: vec![server.url()],
        ..ClientOptions::default()
    })
    .unwrap();
    let echoed = client
        .execute("WasmModule", &json!({ "module": "echo" }), Serialization::Bytes, Bytes::from_static(b"hello"), None)
        .await
        .unwrap();
    assert_eq!(echoed, Bytes::from_static(b"hello"));
    // vad: the registry's default config (sampleRate 48000) and f32 in, one JSON decision out.
    let decision = client
        .execute("WasmModule", &json!({ "module": "vad" }), Serialization::Bytes, f32le(&vec![0.0; 960]), None)
        .await
        .unwrap();
    let decision: serde_json::Value = serde_json::from_slice(&decision).unwrap();
    assert_eq!(decision["speech"], json!(false), "{decision}");
    // A name the registry does not have is the client's mistake, with the names there are.
    let err = client
        .execute("WasmModule", &json!({ "module": "spin" }), Serialization::Bytes, Bytes::from_static(b"x"), None)
        .await
        .unwrap_err();
    assert_eq!(err.code, CloudErrorCode::Rejected);
    assert!(
        err.message.contains("no module \"spin\" in the registry; it names: echo, hybrid_vad, image_preprocess, mixer, text_normalize, vad"),
        "{}",
        err.message
    );
    server.child.kill().unwrap();
    server.child.wait().unwrap();
}

#[test]
fn a_registry_with_a_bad_module_stops_the_start_naming_the_module() {
    let dir = std::env::temp_dir().join(format!("edgemix-server-registry-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let dist = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../wasm-modules/dist");
    std::fs::copy(dist.join("echo.wasm"), dir.join("echo.wasm")).unwrap();
    let file = dir.join("wasm-modules.yaml");
    let wrong = "ab".repeat(32);
    std::fs::write(
        &file,
        format!("modules:\n  echo: {{ file: echo.wasm, version: 1.0.0, sha256: {wrong}, input: bytes, output: bytes }}\n  gone: {{ file: gone.wasm, version: 1.0.0, sha256: {wrong}, input: bytes, output: bytes }}\n"),
    )
    .unwrap();
    let (ok, stderr) = run(&["--modules", file.to_str().unwrap()]);
    assert!(!ok);
    assert!(stderr.contains(&format!("ERR_WASM_INTEGRITY: {}: module \"echo\": the module's bytes have SHA-256", file.display())), "{stderr}");
    assert!(stderr.contains(&format!("{}: module \"gone\": cannot read WASM module", file.display())), "{stderr}");

    std::fs::write(&file, "modules:\n  echo: { file: echo.wasm, version: 1.0.0, sha256: x, input: bytes, output: bytes, extra: 1 }\n").unwrap();
    let (ok, stderr) = run(&["--modules", file.to_str().unwrap()]);
    assert!(!ok);
    assert!(stderr.contains("ERR_REGISTRY_INVALID"), "{stderr}");
    assert!(stderr.contains("module \"echo\": unknown field \"extra\""), "{stderr}");
    assert!(stderr.contains("module \"echo\": sha256: \"x\" is not allowed"), "{stderr}");

    let (ok, stderr) = run(&["--modules", file.to_str().unwrap(), "--modules-dir", dist.to_str().unwrap()]);
    assert!(!ok);
    assert!(stderr.contains("cannot be used with"), "{stderr}");
}
