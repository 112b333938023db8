//! The WASM host's ABI boundary, from the guest's side: a guest whose every answer is
//! chosen by the fuzzer. Its `process` reads a command from its input and returns any
//! code, reports any length, writes its output at any offset, traps, spins past the time
//! limit, grows its memory, arms its next `alloc` to return any pointer, sets the code
//! `cleanup` will return, or calls `env.call_remote_service` with any pointers and lengths.
//! The guest is assembled from WAT when the target starts, in three variants declaring
//! bytes, f32 and json output (so the host's output decoding sees every answer too).
//!
//! For every input, a fresh session of the chosen variant runs the input's commands
//! (the instance restarts after each discarding failure, as in production) and is closed.
//! Every failure must be one of the codes a guest can cause, every success an output
//! within `maxOutputBytes` that decodes per the declared format. Beside it, a healthy
//! session of the same module (a long-lived one, sharing the engine, the module and the
//! instance pool) must answer its echo exactly after every input.
//!
//! Input: a variant byte, then commands, each a u16 length and that many bytes
//! (`[op, a: i32, b: i32, c: i32, payload...]`, see the WAT below).

#![no_main]

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use edgemix_fuzz::{guest, Carve, Spin};
use edgemix_runtime::wasm::{
    Format, Limits, RemoteAccess, RemoteCounts, RemoteError, RemoteService, Runtime, WasmError,
    WasmModule, WasmSession,
};
use libfuzzer_sys::fuzz_target;

const FORMATS: [&str; 3] = ["bytes", "f32", "json"];

/// Answers the one service the guests may call, `Echo`, with its input; `Fail` is on the
/// allowlist too and always fails.
struct Echo;

impl RemoteService for Echo {
    fn call(&self, service: &str, data: &[u8], _deadline: Duration) -> Result<Vec<u8>, RemoteError> {
        match service {
            "Echo" => Ok(data.to_vec()),
            _ => Err(RemoteError::Failed(format!("{service} refuses every input"))),
        }
    }
}

fn remote() -> RemoteAccess {
    RemoteAccess {
        allow: Arc::from(vec!["Echo".to_owned(), "Fail".to_owned()]),
        service: Some(Arc::new(Echo)),
        counts: RemoteCounts::default(),
    }
}

/// The limits of every session: a short time limit (spinning guests cost little), a
/// small memory cap and output limit so both are reached.
fn limits() -> Limits {
    Limits {
        max_memory_mb: 4,
        timeout_ms: 2,
        max_output_bytes: 64 * 1024,
    }
}

struct Fixture {
    modules: Vec<Arc<WasmModule>>,
    /// A long-lived session of the bytes variant and the echo it must give.
    healthy: Mutex<WasmSession>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let runtime = Runtime::global(None).expect("the WASM runtime starts");
        let modules: Vec<Arc<WasmModule>> = FORMATS
            .iter()
            .map(|format| {
                runtime
                    .load(&guest(format, Spin::Forever), None)
                    .expect("the guest follows the ABI")
            })
            .collect();
        for (module, format) in modules.iter().zip(FORMATS) {
            assert_eq!(
                serde_json::to_value(module.description().output).unwrap(),
                format,
                "the guest declares its output format"
            );
        }
        let healthy = WasmSession::new(
            Arc::clone(&modules[0]),
            "healthy".into(),
            Limits::default(),
            None,
            remote(),
        )
        .expect("the healthy session starts");
        Fixture {
            modules,
            healthy: Mutex::new(healthy),
        }
    })
}

/// Whether a guest can cause `err`. Not among them: capacity (sessions are closed, so the
/// pool never fills), ABI and compile errors (the module is fixed), invalid audio (the
/// input format is bytes).
fn guest_caused(err: &WasmError) -> bool {
    matches!(
        err,
        WasmError::Trap(_)
            | WasmError::Timeout { .. }
            | WasmError::MemoryLimit { .. }
            | WasmError::OutputTooLarge { .. }
            | WasmError::BadPointer(_)
            | WasmError::BadOutput(_)
            | WasmError::InvalidInput(_)
            | WasmError::InvalidConfig(_)
            | WasmError::InvalidOptions(_)
            | WasmError::Guest { .. }
    )
}

fuzz_target!(|data: &[u8]| {
    let fixture = fixture();
    let mut input = Carve::new(data);
    let variant = usize::from(input.u8()) % FORMATS.len();
    let module = &fixture.modules[variant];
    let limits = limits();
    let mut session = match WasmSession::new(Arc::clone(module), "fuzz".into(), limits, None, remote()) {
        Ok(session) => session,
        // Starting runs `initialize` under the same 2 ms limit: on a loaded machine (or an
        // instrumented build) the epoch ticker may stop it, a clean coded refusal.
        Err(WasmError::Timeout { .. }) => return,
        Err(err) => panic!("a fresh session of a valid module failed: {err:?}"),
    };
    let mut commands = 0;
    while !input.is_empty() && commands < 16 {
        commands += 1;
        let len = usize::from(input.u16());
        let command = input.take(len);
        match session.process(command) {
            Ok(output) => {
                assert!(output.len() as u64 <= limits.max_output_bytes, "{} bytes out", output.len());
                let format = module.description().output;
                if let Err(err) = format.decode(output.clone()) {
                    assert!(matches!(err, WasmError::BadOutput(_)), "{err:?}");
                    assert_ne!(format, Format::Bytes, "bytes always decode");
                }
            }
            Err(err) => assert!(guest_caused(&err), "unexpected {err:?}"),
        }
    }
    if let Err(err) = session.close() {
        assert!(guest_caused(&err), "unexpected {err:?}");
    }
    // An echo command (op 0) whose payload varies in length with the input.
    let payload: Vec<u8> = (0..=255u8).cycle().take(1000 + data.len() % 3000).collect();
    let probe = [&[0u8; 13][..], &payload].concat();
    let mut healthy = fixture.healthy.lock().unwrap_or_else(|p| p.into_inner());
    match healthy.process(&probe) {
        Ok(echo) => assert!(echo == payload, "the healthy session's echo changed"),
        Err(err) => panic!("the healthy session failed: {err:?}"),
    }
});
