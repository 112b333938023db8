//! The edge runtime against the real guest modules of wasm-modules/ (built by
//! `node scripts/build-wasm.mjs`, which `npm test` runs first).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use edgemix_dsp::{ChainConfig, MixerChain};
use edgemix_runtime::wasm::{
    CacheOutcome, Format, Limits, RemoteAccess, RemoteError, RemoteService, RemoteTally, Runtime, WasmError,
    WasmModule, WasmSession,
};

fn dist(name: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../wasm-modules/dist")
        .join(name);
    assert!(
        path.is_file(),
        "{} is missing: run `node scripts/build-wasm.mjs` first",
        path.display()
    );
    path
}

fn load(name: &str) -> Arc<WasmModule> {
    Runtime::global(None)
        .unwrap()
        .load_file(&dist(name), None)
        .unwrap()
}

fn session(name: &str, limits: Limits, config: Option<serde_json::Value>) -> WasmSession {
    WasmSession::new(
        load(name),
        format!("test-{name}"),
        limits,
        config.as_ref(),
        RemoteAccess::default(),
    )
    .unwrap()
}

fn f32_bytes(samples: &[f32]) -> Vec<u8> {
    samples.iter().flat_map(|s| s.to_le_bytes()).collect()
}

fn from_bytes(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect()
}

fn speechlike(n: usize, seed: u32) -> Vec<f32> {
    let mut s = seed | 1;
    (0..n)
        .map(|i| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            let t = i as f32 / 48_000.0;
            let noise = (s as f32 / u32::MAX as f32 - 0.5) * 0.01;
            (std::f32::consts::TAU * 4.0 * t).sin().max(0.0)
                * 0.6
                * (std::f32::consts::TAU * 180.0 * t).sin()
                + noise
        })
        .collect()
}

#[test]
fn mixer_wasm_equals_the_native_chain_on_both_targets() {
    let config = serde_json::json!({ "compressor": { "ratio": 6, "thresholdDb": -30 }, "eq": { "midGainDb": 5 } });
    let input = speechlike(48_000, 7);
    let mut native = MixerChain::new(ChainConfig::from_json(&config).unwrap()).unwrap();
    let mut expected = input.clone();
    for frame in expected.chunks_mut(960) {
        native.process(frame).unwrap();
    }
    for module in ["mixer.wasm", "mixer.wasip1.wasm"] {
        let mut s = session(module, Limits::default(), Some(config.clone()));
        let mut got = Vec::new();
        for frame in input.chunks(960) {
            got.extend(from_bytes(&s.process(&f32_bytes(frame)).unwrap()));
        }
        let diff = got
            .iter()
            .zip(&expected)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(diff == 0.0, "{module}: max difference {diff}");
        assert_eq!(got.len(), expected.len());
    }
}

#[test]
fn describe_declares_formats_and_the_abi_shape() {
    let mixer = load("mixer.wasm");
    assert_eq!(mixer.description().name, "mixer");
    assert_eq!(
        (mixer.description().input, mixer.description().output),
        (Format::F32, Format::F32)
    );
    assert!(!mixer.uses_wasi() && !mixer.uses_remote());
    let echo = load("echo.wasip1.wasm");
    assert!(echo.uses_wasi());
    assert!(load("remote.wasm").uses_remote());
    // No describe export: bytes in, bytes out.
    assert_eq!(load("bigout.wasm").description().output, Format::Bytes);
}

#[test]
fn the_cache_serves_the_same_bytes_from_memory_and_from_disk() {
    let runtime = Runtime::global(None).unwrap();
    let mut bytes = std::fs::read(dist("echo.wasm")).unwrap();
    // A custom section makes these bytes unique to this test (a fresh hash).
    bytes.extend_from_slice(&[0, 10, 9]);
    bytes.extend_from_slice(b"cachetest");
    let dir = std::env::temp_dir().join(format!("edgemix-cache-{}", std::process::id()));
    let first = runtime.load(&bytes, Some(&dir)).unwrap();
    assert_eq!(first.cache_outcome(), CacheOutcome::Compiled);
    let file = dir.join(format!("{}.cwasm", first.hash()));
    assert!(
        file.is_file(),
        "the compiled module was written to the cache dir"
    );
    assert_eq!(
        runtime.load(&bytes, Some(&dir)).unwrap().cache_outcome(),
        CacheOutcome::Memory
    );

    // A different content hash with a cached file from "another version": refused by
    // wasmtime, recompiled, rewritten.
    bytes.extend_from_slice(&[0, 8, 7]);
    bytes.extend_from_slice(b"another");
    let hash = {
        use sha2::Digest;
        sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    std::fs::write(
        dir.join(format!("{hash}.cwasm")),
        b"not a serialized module",
    )
    .unwrap();
    let recompiled = runtime.load(&bytes, Some(&dir)).unwrap();
    assert_eq!(recompiled.cache_outcome(), CacheOutcome::Compiled);
    assert_ne!(
        std::fs::read(dir.join(format!("{hash}.cwasm"))).unwrap(),
        b"not a serialized module"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_disk_cache_hit_skips_compilation() {
    // A second runtime cannot be created in-process (the engine is global), so the disk
    // path is exercised by a file written under this engine and a fresh hash.
    let runtime = Runtime::global(None).unwrap();
    let dir = std::env::temp_dir().join(format!("edgemix-disk-{}", std::process::id()));
    let mut bytes = std::fs::read(dist("trap.wasm")).unwrap();
    bytes.extend_from_slice(&[0, 5, 4]);
    bytes.extend_from_slice(b"disk");
    let compiled = runtime.load(&bytes, Some(&dir)).unwrap();
    let file = dir.join(format!("{}.cwasm", compiled.hash()));
    // Same code under another name: copy the serialized file to the new bytes' hash.
    bytes.extend_from_slice(&[0, 3, 2]);
    bytes.extend_from_slice(b"xy");
    let other = {
        use sha2::Digest;
        sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    std::fs::copy(&file, dir.join(format!("{other}.cwasm"))).unwrap();
    assert_eq!(
        runtime.load(&bytes, Some(&dir)).unwrap().cache_outcome(),
        CacheOutcome::Disk
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn load_errors_name_what_is_wrong() {
    let runtime = Runtime::global(None).unwrap();
    let missing = runtime
        .load_file(&dist("echo.wasm").with_file_name("nope.wasm"), None)
        .unwrap_err();
    assert!(matches!(missing, WasmError::NotFound(_)), "{missing:?}");
    let garbage = runtime.load(b"\0asm garbage", None).unwrap_err();
    assert!(
        matches!(&garbage, WasmError::Compile(m) if m.contains("not a valid WebAssembly module")),
        "{garbage:?}"
    );
    match runtime.load_file(&dist("badabi.wasm"), None).unwrap_err() {
        WasmError::Abi(m) => {
            assert!(
                m.contains("export `process` has signature (i32, i32) -> (i32)"),
                "{m}"
            );
            assert!(m.contains("missing export `cleanup`"), "{m}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_spinning_guest_is_stopped_by_the_time_limit_and_the_session_recovers() {
    let limits = Limits {
        timeout_ms: 30,
        ..Limits::default()
    };
    let mut s = session("spin.wasm", limits, None);
    let started = Instant::now();
    let err = s.process(b"x").unwrap_err();
    assert_eq!(err, WasmError::Timeout { limit_ms: 30 });
    assert!(
        started.elapsed().as_millis() >= 30,
        "stopped before its limit"
    );
    // The instance was discarded; the next call runs a fresh one (which spins again).
    assert_eq!(
        s.process(b"x").unwrap_err(),
        WasmError::Timeout { limit_ms: 30 }
    );
}

#[test]
fn memory_growth_past_the_cap_is_refused() {
    let limits = Limits {
        max_memory_mb: 8,
        ..Limits::default()
    };
    let mut s = session("oom.wasm", limits, None);
    assert_eq!(
        s.process(b"x").unwrap_err(),
        WasmError::MemoryLimit { limit_mb: 8 }
    );
}

#[test]
fn traps_bad_pointers_and_oversized_outputs_are_reported() {
    let mut trap = session("trap.wasm", Limits::default(), None);
    assert!(
        matches!(trap.process(b"x").unwrap_err(), WasmError::Trap(kind) if kind.contains("unreachable"))
    );
    let mut badptr = session("badptr.wasm", Limits::default(), None);
    assert!(
        matches!(badptr.process(b"x").unwrap_err(), WasmError::BadPointer(m) if m.contains("2147483632 bytes"))
    );
    let mut bigout = session(
        "bigout.wasm",
        Limits {
            max_output_bytes: 1 << 20,
            ..Limits::default()
        },
        None,
    );
    assert_eq!(
        bigout.process(b"x").unwrap_err(),
        WasmError::OutputTooLarge {
            requested: 512 << 20,
            limit: 1 << 20
        }
    );
    // An output that fits the first buffer (sized from the input) is bounded by the limit too.
    let mut echo = session(
        "echo.wasm",
        Limits {
            max_output_bytes: 64 << 10,
            ..Limits::default()
        },
        None,
    );
    assert_eq!(
        echo.process(&vec![7u8; 100 << 10]).unwrap_err(),
        WasmError::OutputTooLarge {
            requested: 100 << 10,
            limit: 64 << 10
        }
    );
    assert_eq!(echo.process(&[1, 2, 3]).unwrap(), vec![1, 2, 3]);
}

#[test]
fn the_retry_protocol_delivers_outputs_bigger_than_the_first_buffer() {
    // echo's output equals its input: 1 MiB needs the retry past the first 64 KiB buffer.
    let mut echo = session("echo.wasm", Limits::default(), None);
    let big: Vec<u8> = (0..1 << 20).map(|i| (i * 7 % 251) as u8).collect();
    assert_eq!(echo.process(&big).unwrap(), big);
    assert_eq!(echo.process(b"small").unwrap(), b"small");
}

#[test]
fn wasi_modules_get_no_files_env_or_sockets_and_their_output_is_captured() {
    let mut escape = session("escape.wasip1.wasm", Limits::default(), None);
    let report: serde_json::Value =
        serde_json::from_slice(&escape.process(b"go").unwrap()).unwrap();
    for key in ["file", "dir", "env", "socket"] {
        let outcome = report[key].as_str().unwrap();
        assert!(outcome.starts_with("error"), "{key}: {outcome}");
    }
    let (stdout, _, stderr, _) = escape.logs().contents();
    assert!(stdout.contains("escape: trying"), "{stdout:?}");
    assert!(!stderr.is_empty());
}

#[test]
fn invalid_audio_never_reaches_an_f32_module_and_state_survives() {
    let mut s = session("mixer.wasm", Limits::default(), None);
    let mut twin = session("mixer.wasm", Limits::default(), None);
    let frame = f32_bytes(&speechlike(960, 3));
    s.process(&frame).unwrap();
    twin.process(&frame).unwrap();
    assert!(
        matches!(s.process(&f32_bytes(&[0.1, f32::NAN])).unwrap_err(), WasmError::InvalidAudio(m) if m.contains("sample 1 is NaN"))
    );
    assert!(
        matches!(s.process(&[1, 2, 3]).unwrap_err(), WasmError::InvalidAudio(m) if m.contains("3 bytes"))
    );
    assert!(matches!(
        s.process(&[]).unwrap_err(),
        WasmError::InvalidAudio(_)
    ));
    assert_eq!(s.process(&frame).unwrap(), twin.process(&frame).unwrap());
}

#[test]
fn a_bad_configuration_is_refused_when_the_session_starts() {
    let module = load("mixer.wasm");
    let bad = serde_json::json!({ "compressor": { "ratio": 0.5 } });
    let err = WasmSession::new(
        module,
        "bad".into(),
        Limits::default(),
        Some(&bad),
        RemoteAccess::default(),
    )
    .err()
    .unwrap();
    assert_eq!(err.code(), "ERR_INVALID_CONFIG");
}

#[test]
fn limits_out_of_range_are_refused() {
    for limits in [
        Limits {
            max_memory_mb: 0,
            ..Limits::default()
        },
        Limits {
            max_memory_mb: 5000,
            ..Limits::default()
        },
        Limits {
            timeout_ms: 0,
            ..Limits::default()
        },
        Limits {
            max_output_bytes: 1 << 40,
            ..Limits::default()
        },
    ] {
        assert!(
            matches!(limits.validate(), Err(WasmError::InvalidOptions(_))),
            "{limits:?}"
        );
    }
}

struct Reverse;
impl RemoteService for Reverse {
    fn call(
        &self,
        service: &str,
        data: &[u8],
        _deadline: Duration,
    ) -> Result<Vec<u8>, RemoteError> {
        match data {
            b"unreachable" => Err(RemoteError::Unavailable("no route".into())),
            b"refuse" => Err(RemoteError::Failed("refused".into())),
            b"forbidden" => Err(RemoteError::Denied("bad token".into())),
            b"slow" => Err(RemoteError::Timeout),
            _ => {
                let mut answer = format!("{service}:").into_bytes();
                answer.extend(data.iter().rev());
                Ok(answer)
            }
        }
    }
}

fn remote_session(
    module: &Arc<WasmModule>,
    service: &str,
    allow: &[&str],
    answer: Option<Arc<dyn RemoteService>>,
) -> WasmSession {
    let access = RemoteAccess {
        allow: allow.iter().map(|s| s.to_string()).collect(),
        service: answer,
        ..RemoteAccess::default()
    };
    remote_session_with(module, service, access)
}

/// A session of remote.wasm calling `service` through `access`.
fn remote_session_with(module: &Arc<WasmModule>, service: &str, access: RemoteAccess) -> WasmSession {
    let config = serde_json::json!({ "service": service });
    WasmSession::new(
        Arc::clone(module),
        format!("r-{service}"),
        Limits::default(),
        Some(&config),
        access,
    )
    .unwrap()
}

/// The ABI code a guest error carries.
fn guest_code(err: WasmError) -> i32 {
    match err {
        WasmError::Guest { code, .. } => code,
        other => panic!("expected a guest error code, got {other:?}"),
    }
}

#[test]
fn the_remote_import_reaches_the_host_service_only_for_allowed_names() {
    let module = load("remote.wasm");
    let mut allowed = remote_session(&module, "Reverse", &["Reverse"], Some(Arc::new(Reverse)));
    assert_eq!(allowed.process(b"abc").unwrap(), b"Reverse:cba");
    // An answer larger than the guest's first buffer goes through the retry.
    let big = vec![7u8; 100_000];
    assert_eq!(
        allowed.process(&big).unwrap().len(),
        "Reverse:".len() + big.len()
    );
    // A name not on the allowlist is denied (-8) before any service is asked.
    let mut other = remote_session(&module, "Secret", &["Reverse"], Some(Arc::new(Reverse)));
    assert_eq!(guest_code(other.process(b"abc").unwrap_err()), -8);
    // Allowed, but no service configured: unavailable (-6).
    let mut offline = remote_session(&module, "Reverse", &["Reverse"], None);
    assert_eq!(guest_code(offline.process(b"abc").unwrap_err()), -6);
}

#[test]
fn each_remote_failure_reaches_the_guest_as_its_documented_code() {
    let module = load("remote.wasm");
    let mut session = remote_session(&module, "Reverse", &["Reverse"], Some(Arc::new(Reverse)));
    for (input, code) in [
        (&b"unreachable"[..], -6),
        (b"refuse", -7),
        (b"forbidden", -8),
        (b"slow", -9),
    ] {
        assert_eq!(
            guest_code(session.process(input).unwrap_err()),
            code,
            "{}",
            String::from_utf8_lossy(input)
        );
    }
    // The session stays usable after each.
    assert_eq!(session.process(b"ok").unwrap(), b"Reverse:ko");
}

#[test]
fn remote_calls_are_counted_once_each_by_outcome_across_the_sessions_of_one_load() {
    let module = load("remote.wasm");
    let access = RemoteAccess {
        allow: vec!["Reverse".to_string()].into(),
        service: Some(Arc::new(Reverse)),
        ..RemoteAccess::default()
    };
    let mut first = remote_session_with(&module, "Reverse", access.clone());
    let mut second = remote_session_with(&module, "Reverse", access.clone());
    let mut denied = remote_session_with(&module, "Secret", access.clone());
    first.process(b"abc").unwrap();
    // Fetched in two guest calls (the retry after -2), asked once.
    second.process(&vec![7u8; 100_000]).unwrap();
    for input in [&b"unreachable"[..], b"refuse", b"refuse", b"forbidden", b"slow"] {
        first.process(input).unwrap_err();
    }
    denied.process(b"abc").unwrap_err();
    let tally = access.counts.tally();
    assert_eq!(
        tally,
        RemoteTally {
            answered: 2,
            // The cloud's refusal of the credentials and a name off the allowlist.
            denied: 2,
            unavailable: 1,
            timed_out: 1,
            failed: 2,
        }
    );
    // Another load's access counts apart.
    let mut apart = remote_session(&module, "Reverse", &["Reverse"], Some(Arc::new(Reverse)));
    apart.process(b"x").unwrap();
    assert_eq!(access.counts.tally().answered, 2);
}

/// Waits for the deadline it is given and reports it.
struct Patient(std::sync::Mutex<Vec<Duration>>);
impl RemoteService for Patient {
    fn call(
        &self,
        _service: &str,
        _data: &[u8],
        deadline: Duration,
    ) -> Result<Vec<u8>, RemoteError> {
        self.0.lock().unwrap().push(deadline);
        std::thread::sleep(deadline);
        Err(RemoteError::Timeout)
    }
}

#[test]
fn a_remote_call_gets_at_most_the_time_left_of_the_guest_call() {
    let module = load("remote.wasm");
    let patient = Arc::new(Patient(Default::default()));
    let config = serde_json::json!({ "service": "Slow" });
    let access = RemoteAccess {
        allow: vec!["Slow".to_string()].into(),
        service: Some(patient.clone()),
        ..RemoteAccess::default()
    };
    let limits = Limits {
        timeout_ms: 80,
        ..Limits::default()
    };
    let mut session = WasmSession::new(
        Arc::clone(&module),
        "slow".into(),
        limits,
        Some(&config),
        access,
    )
    .unwrap();
    let err = session.process(b"x").unwrap_err();
    let deadline = patient.0.lock().unwrap()[0];
    assert!(
        deadline <= Duration::from_millis(80) && deadline >= Duration::from_millis(60),
        "{deadline:?}"
    );
    // The guest resumes after the limit: the call is stopped as a timeout, not later.
    assert_eq!(err.code(), "ERR_WASM_TIMEOUT", "{err:?}");
}

#[test]
fn sessions_are_isolated_and_a_closed_session_refuses_calls() {
    let config = serde_json::json!({});
    let mut a = session("mixer.wasm", Limits::default(), Some(config.clone()));
    let mut b = session("mixer.wasm", Limits::default(), Some(config));
    let loud = f32_bytes(&vec![0.9; 960]);
    let quiet = f32_bytes(&speechlike(960, 9));
    a.process(&loud).unwrap();
    let mut fresh = session("mixer.wasm", Limits::default(), None);
    // b never saw a's loud frame: it matches a fresh session, a does not.
    assert_eq!(b.process(&quiet).unwrap(), fresh.process(&quiet).unwrap());
    assert_ne!(a.process(&quiet).unwrap(), b.process(&quiet).unwrap());
    a.close().unwrap();
    assert_eq!(a.process(&quiet).unwrap_err(), WasmError::Closed);
}

/// A module that follows the ABI (every required export, doing nothing) plus `extra`.
fn abi_module(extra: &str) -> Vec<u8> {
    wat::parse_str(format!(
        r#"(module
             (memory (export "memory") 1)
             (func (export "alloc") (param i32) (result i32) i32.const 1024)
             (func (export "dealloc") (param i32 i32))
             (func (export "initialize") (param i32) (result i32) i32.const 0)
             (func (export "process") (param i32 i32 i32 i32) (result i32) i32.const 0)
             (func (export "cleanup") (result i32) i32.const 0)
             {extra})"#
    ))
    .expect("valid WAT")
}

fn start_session(bytes: &[u8], limits: Limits) -> Result<WasmSession, WasmError> {
    let module = Runtime::global(None).unwrap().load(bytes, None).unwrap();
    WasmSession::new(module, "test".into(), limits, None, RemoteAccess::default())
}

#[test]
fn a_start_function_past_the_time_limit_is_a_timeout() {
    let spin = abi_module(r#"(func $spin (loop $forever br $forever)) (start $spin)"#);
    let limits = Limits {
        timeout_ms: 30,
        ..Limits::default()
    };
    let err = start_session(&spin, limits).err().expect("refused");
    assert_eq!(err, WasmError::Timeout { limit_ms: 30 });
    assert_eq!(err.code(), "ERR_WASM_TIMEOUT");
}

#[test]
fn a_data_segment_outside_the_memory_is_a_trap_at_instantiation() {
    // One 64 KiB page; the segment's second byte lies past its end.
    let oob = abi_module(r#"(data (i32.const 65535) "ab")"#);
    let err = start_session(&oob, Limits::default()).err().expect("refused");
    match &err {
        WasmError::Trap(kind) => assert!(
            kind.contains("out of bounds") && kind.contains("while being instantiated"),
            "{kind}"
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(err.code(), "ERR_WASM_TRAP");
}

#[test]
fn a_guest_call_whose_caller_has_gone_stops_at_the_next_check() {
    use edgemix_runtime::cancel;
    let limits = Limits {
        timeout_ms: 60_000,
        ..Limits::default()
    };
    let mut spin = session("spin.wasm", limits, None);
    let token = cancel::Token::new();
    let canceller = {
        let token = token.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            token.cancel();
        })
    };
    // Without the cancellation this would run its full minute and end as a timeout.
    let err = cancel::scope(&token, || spin.process(b"go")).unwrap_err();
    assert_eq!(err, WasmError::Cancelled);
    canceller.join().unwrap();
}
