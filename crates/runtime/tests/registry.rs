//! The module registry (wasm-modules.yaml) against real modules of wasm-modules/dist (built
//! by `node scripts/build-wasm.mjs`), in temporary folders: what it accepts, the line it
//! gives for each mistake, and hostile files.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use edgemix_runtime::registry::{schema, ModuleRegistry, MAX_FILE_BYTES, MAX_FLOW_OPENERS, REGISTRY_INVALID};
use edgemix_runtime::wasm::{Runtime, MAX_MEMORY_MB, MAX_OUTPUT_BYTES, MAX_TIMEOUT_MS};
use serde_json::json;

fn dist(name: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../wasm-modules/dist").join(name);
    assert!(path.is_file(), "{} is missing: run `node scripts/build-wasm.mjs` first", path.display());
    path
}

/// SHA-256 of a file by coreutils' `sha256sum`, independently of the loader's hashing.
fn sha256sum(path: &Path) -> String {
    let out = std::process::Command::new("sha256sum").arg(path).output().expect("sha256sum runs");
    String::from_utf8(out.stdout).unwrap().split_whitespace().next().unwrap().to_owned()
}

/// A fresh folder holding copies of the given dist modules under `modules/`.
fn folder(modules: &[&str]) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!("edgemix-registry-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
    std::fs::create_dir_all(dir.join("modules")).unwrap();
    for m in modules {
        std::fs::copy(dist(m), dir.join("modules").join(m)).unwrap();
    }
    dir
}

fn write(dir: &Path, text: &str) -> PathBuf {
    let file = dir.join("wasm-modules.yaml");
    std::fs::write(&file, text).unwrap();
    file
}

/// A registry of echo.wasm and vad.wasm with their true hashes, plus `extra` lines under vad.
fn good(dir: &Path, extra: &str) -> String {
    let echo = sha256sum(&dir.join("modules/echo.wasm"));
    let vad = sha256sum(&dir.join("modules/vad.wasm"));
    format!(
        "version: 1\nmodules:\n  echo:\n    file: modules/echo.wasm\n    version: 1.0.0\n    sha256: {echo}\n    input: bytes\n    output: bytes\n  vad:\n    file: ./modules/vad.wasm\n    version: 0.2.1-beta.1\n    sha256: \"{vad}\"\n    input: f32\n    output: json\n    maxMemoryMb: 16\n    timeoutMs: 20\n    maxOutputBytes: 4096\n    allowRemote: [VAD]\n    config: {{ sampleRate: 48000, threshold: 0.6 }}\n{extra}"
    )
}

fn error_of(text: &str) -> (String, String) {
    let dir = folder(&["echo.wasm", "vad.wasm"]);
    let file = write(&dir, text);
    let err = ModuleRegistry::load(&file).expect_err("the registry is refused");
    (err.code.to_owned(), err.message.replace(&file.display().to_string(), "REG"))
}

#[test]
fn a_valid_registry_gives_each_module_its_file_limits_allowlist_and_config() {
    let dir = folder(&["echo.wasm", "vad.wasm"]);
    let file = write(&dir, &good(&dir, ""));
    let registry = ModuleRegistry::load(&file).unwrap();
    let names: Vec<&str> = registry.modules().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["echo", "vad"]);
    let vad = registry.get("vad").unwrap();
    assert_eq!(vad.path, dir.canonicalize().unwrap().join("modules/vad.wasm"));
    let options = vad.load_options();
    let limits = options.limits();
    assert_eq!((limits.max_memory_mb, limits.timeout_ms, limits.max_output_bytes), (16, 20, 4096));
    assert_eq!(options.allow_remote, Some(vec!["VAD".to_owned()]));
    assert_eq!(options.config, Some(json!({ "sampleRate": 48000, "threshold": 0.6 })));
    assert_eq!(options.sha256.as_deref(), Some(sha256sum(&vad.path).as_str()));
    // echo takes the runtime's defaults.
    assert_eq!(registry.get("echo").unwrap().load_options().limits(), Default::default());
    let runtime = Runtime::global(None).unwrap();
    for (name, loaded) in registry.load_all(runtime) {
        let module = loaded.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(module.hash(), sha256sum(&registry.get(&name).unwrap().path));
    }
    let json = registry.to_json();
    assert_eq!(json["modules"]["vad"]["allowRemote"], json!(["VAD"]));
    assert_eq!(json["modules"]["vad"]["path"], json!(vad.path.display().to_string()));
}

#[test]
fn each_schema_violation_is_one_line_naming_the_file_the_module_and_the_field() {
    let dir = folder(&["echo.wasm", "vad.wasm"]);
    let text = good(&dir, "")
        .replace("maxMemoryMb: 16", "maxMemoryMb: 2000")
        .replace("timeoutMs: 20", "timeoutMs: \"20\"")
        .replace("input: bytes", "input: pcm")
        .replace("    output: bytes\n", "    output: bytes\n    memoryLimit: 3\n")
        .replace("allowRemote: [VAD]", "allowRemote: [VAD, VAD]");
    let file = write(&dir, &text);
    let err = ModuleRegistry::load(&file).unwrap_err();
    assert_eq!(err.code, REGISTRY_INVALID);
    let mut lines: Vec<String> = err.lines().map(|l| l.replace(&file.display().to_string(), "REG")).collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            "REG: module \"echo\": input: must be one of \"f32\", \"json\", \"bytes\", received \"pcm\"",
            "REG: module \"echo\": unknown field \"memoryLimit\" (allowed: allowRemote, config, description, file, input, maxMemoryMb, maxOutputBytes, output, sha256, timeoutMs, version)",
            "REG: module \"vad\": allowRemote: lists an entry twice: [\"VAD\",\"VAD\"]",
            "REG: module \"vad\": maxMemoryMb: must be ≤ 1024, received 2000",
            "REG: module \"vad\": timeoutMs: must be a whole number, received \"20\"",
        ]
    );
}

#[test]
fn missing_and_malformed_fields_and_names_are_named() {
    let dir = folder(&["echo.wasm", "vad.wasm"]);
    let base = good(&dir, "");
    let echo_hash = sha256sum(&dir.join("modules/echo.wasm"));
    let cases = [
        (base.replace(&format!("    sha256: {echo_hash}\n"), ""), "REG: module \"echo\": sha256: missing (required)"),
        (base.replace(&echo_hash, "ABC"), "REG: module \"echo\": sha256: \"ABC\" is not allowed: SHA-256 of the file, 64 lowercase hex digits. A file with other bytes is refused (ERR_WASM_INTEGRITY)."),
        (base.replace("version: 1.0.0", "version: latest"), "REG: module \"echo\": version: \"latest\" is not allowed: The module's version (semantic versioning)."),
        (base.replace("  echo:\n", "  Echo Module:\n"), "REG: modules: module name \"Echo Module\" is not allowed: names are 1 to 64 lowercase letters, digits, '-' and '_', starting with a letter"),
        (base.replace("version: 1\n", "version: 2\n"), "REG: version: must be 1, received 2"),
        (base.replace("modules:\n", "modulez: {}\nmodules:\n"), "REG: unknown field \"modulez\" (allowed: modules, version)"),
        ("modules: {}\n".to_owned(), "REG: modules: must hold at least 1 entry"),
        ("- just\n- a list\n".to_owned(), "REG: must be a mapping, received [\"just\",\"a list\"]"),
    ];
    for (text, expected) in cases {
        let file = write(&dir, &text);
        let err = ModuleRegistry::load(&file).unwrap_err();
        assert_eq!((err.code, err.message.replace(&file.display().to_string(), "REG")), (REGISTRY_INVALID, expected.to_owned()));
    }
}

#[test]
fn a_file_whose_bytes_differ_from_the_sha256_is_refused_before_it_is_compiled() {
    let dir = folder(&["echo.wasm", "vad.wasm"]);
    let file = write(&dir, &good(&dir, ""));
    let registry = ModuleRegistry::load(&file).unwrap();
    // The file changes after the registry was written: one byte appended.
    let mut bytes = std::fs::read(dir.join("modules/echo.wasm")).unwrap();
    bytes.push(0);
    std::fs::write(dir.join("modules/echo.wasm"), &bytes).unwrap();
    let actual = sha256sum(&dir.join("modules/echo.wasm"));
    let err = registry.get("echo").unwrap().load(&registry, Runtime::global(None).unwrap()).unwrap_err();
    assert_eq!(err.code, "ERR_WASM_INTEGRITY");
    let prefix = format!("{}: module \"echo\": ", file.display());
    assert!(err.message.starts_with(&prefix), "{}", err.message);
    assert!(err.message.contains(&actual), "{}", err.message);
    // The whole registry is refused, naming that module alone.
    let err = ModuleRegistry::load_verified(&file, Runtime::global(None).unwrap()).unwrap_err();
    assert_eq!(err.code, "ERR_WASM_INTEGRITY");
    assert_eq!(err.lines().count(), 1);
}

#[test]
fn formats_that_differ_from_the_modules_describe_are_refused() {
    let dir = folder(&["echo.wasm", "vad.wasm"]);
    let file = write(&dir, &good(&dir, "").replace("input: f32", "input: bytes"));
    let err = ModuleRegistry::load_verified(&file, Runtime::global(None).unwrap()).unwrap_err();
    assert_eq!(err.code, REGISTRY_INVALID);
    assert_eq!(
        err.message,
        format!("{}: module \"vad\": input: the registry says bytes, the module's describe() says f32", file.display())
    );
}

#[test]
fn a_missing_module_file_or_name_is_not_found_with_what_there_is() {
    let dir = folder(&["echo.wasm", "vad.wasm"]);
    let file = write(&dir, &good(&dir, "").replace("modules/echo.wasm", "modules/gone.wasm"));
    let registry = ModuleRegistry::load(&file).unwrap();
    let err = registry.get("echo").unwrap().load(&registry, Runtime::global(None).unwrap()).unwrap_err();
    assert_eq!(err.code, "ERR_WASM_NOT_FOUND");
    assert!(err.message.starts_with(&format!("{}: module \"echo\": cannot read WASM module", file.display())), "{}", err.message);
    let err = registry.get("mixer").unwrap_err();
    assert_eq!(err.code, "ERR_WASM_NOT_FOUND");
    assert_eq!(err.message, format!("{}: no module \"mixer\" in the registry; it names: echo, vad", file.display()));
}

#[test]
fn files_outside_the_registrys_folder_are_refused() {
    let dir = folder(&["echo.wasm", "vad.wasm"]);
    let outside = folder(&["echo.wasm"]);
    let inside = dir.join("modules/link.wasm");
    #[cfg(unix)]
    std::os::unix::fs::symlink(outside.join("modules/echo.wasm"), &inside).unwrap();
    let base = good(&dir, "");
    let mut cases = vec![
        ("../x/echo.wasm", "\"../x/echo.wasm\" leaves the registry's folder"),
        ("modules/../../echo.wasm", "\"modules/../../echo.wasm\" leaves the registry's folder"),
        ("/etc/echo.wasm", "\"/etc/echo.wasm\" leaves the registry's folder"),
    ];
    if cfg!(unix) {
        cases.push(("modules/link.wasm", "\"modules/link.wasm\" leads out of the registry's folder through a symbolic link"));
    }
    for (path, expected) in cases {
        let file = write(&dir, &base.replace("modules/echo.wasm", path));
        let err = ModuleRegistry::load(&file).unwrap_err();
        assert_eq!(err.code, REGISTRY_INVALID);
        let start = format!("{}: module \"echo\": file: {expected}", file.display());
        assert!(err.message.starts_with(&start), "{path}: {}", err.message);
    }
    // Backslashes and drive letters are not paths this format has.
    let (code, message) = error_of(&base.replace("modules/echo.wasm", r"C:\x\echo.wasm"));
    assert_eq!(code, REGISTRY_INVALID);
    assert!(message.starts_with(r#"REG: module "echo": file: "C:\\x\\echo.wasm" is not allowed: The .wasm file"#), "{message}");
}

#[test]
fn hostile_files_are_refused_with_a_code_after_bounded_work() {
    // Billion laughs: nine levels of ten aliases each would expand to 10^9 strings.
    let mut laughs = String::from("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    for level in b'b'..=b'j' {
        let prev = (level - 1) as char;
        let refs = vec![format!("*{prev}"); 10].join(",");
        laughs.push_str(&format!("{}: &{} [{refs}]\n", level as char, level as char));
    }
    laughs.push_str("modules: *j\n");
    let (code, message) = error_of(&laughs);
    assert_eq!(code, REGISTRY_INVALID);
    assert!(message.starts_with("REG: not valid YAML: "), "{message}");

    // Deep nesting, in flow style (refused before the YAML parser, whose cost grows with
    // its square) and in block style.
    let (code, message) = error_of(&format!("modules: {}{}\n", "[".repeat(100_000), "]".repeat(100_000)));
    assert_eq!(code, REGISTRY_INVALID);
    assert_eq!(message, format!("REG: holds 100000 '[' and '{{' characters; at most {MAX_FLOW_OPENERS} are read (a registry needs a few per module)"));
    let (code, message) = error_of(&format!("modules: {}{}\n", "[".repeat(MAX_FLOW_OPENERS), "]".repeat(MAX_FLOW_OPENERS)));
    assert_eq!(code, REGISTRY_INVALID);
    assert!(message.starts_with("REG: not valid YAML: ") && message.contains("recursion limit"), "{message}");
    let deep: String = (0..100).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
    let (code, message) = error_of(&format!("modules:\n  echo:\n    config:\n{}", deep.lines().map(|l| format!("      {l}\n")).collect::<String>()));
    assert_eq!(code, REGISTRY_INVALID);
    assert!(message.contains("nested more than 64 levels deep"), "{message}");

    // A duplicate key is refused, not silently overwritten.
    let (code, message) = error_of("modules: {}\nmodules: {}\n");
    assert_eq!(code, REGISTRY_INVALID);
    assert!(message.starts_with("REG: not valid YAML: ") && message.contains("duplicate"), "{message}");

    // More than the largest file read.
    let dir = folder(&[]);
    let file = write(&dir, &format!("# {}\n", "x".repeat(MAX_FILE_BYTES as usize)));
    let err = ModuleRegistry::load(&file).unwrap_err();
    assert_eq!(err.code, REGISTRY_INVALID);
    assert!(err.message.contains("larger than 1048576 bytes"), "{}", err.message);

    // Not UTF-8, and not there at all.
    std::fs::write(&file, [0xff, 0xfe, 0x00]).unwrap();
    assert_eq!(ModuleRegistry::load(&file).unwrap_err().code, REGISTRY_INVALID);
    let err = ModuleRegistry::load(&dir.join("nothing.yaml")).unwrap_err();
    assert_eq!(err.code, REGISTRY_INVALID);
    assert!(err.message.contains("cannot read the module registry"), "{}", err.message);

    // Thousands of violations: twenty lines and a count.
    let many: String = (0..300).map(|i| format!("  m{i}: {{ file: x.wasm }}\n")).collect();
    let (_, message) = error_of(&format!("modules:\n{many}"));
    let lines: Vec<&str> = message.lines().collect();
    assert_eq!(lines.len(), 21);
    assert!(lines[20].starts_with("REG: ... and "), "{}", lines[20]);
}

#[test]
fn the_schemas_limits_are_the_runtimes() {
    let schema: serde_json::Value = serde_json::from_str(schema::SCHEMA).unwrap();
    let props = &schema["$defs"]["module"]["properties"];
    assert_eq!(props["maxMemoryMb"]["maximum"], json!(MAX_MEMORY_MB));
    assert_eq!(props["timeoutMs"]["maximum"], json!(MAX_TIMEOUT_MS));
    assert_eq!(props["maxOutputBytes"]["maximum"], json!(MAX_OUTPUT_BYTES));
}

#[test]
fn the_product_registry_matches_the_modules_built_beside_it() {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../wasm-modules/wasm-modules.yaml");
    let registry = ModuleRegistry::load_verified(&file, Runtime::global(None).unwrap()).unwrap();
    for module in registry.modules() {
        assert_eq!(module.sha256, sha256sum(&module.path), "{}", module.name);
    }
    assert_eq!(registry.modules().count(), 6);
}
