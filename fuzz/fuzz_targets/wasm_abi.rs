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

use edgemix_fuzz::Carve;
use edgemix_runtime::wasm::{
    Format, Limits, RemoteAccess, RemoteError, RemoteService, Runtime, WasmModule, WasmSession,
};
use libfuzzer_sys::fuzz_target;

/// The guest. Memory: page 0 holds the `describe` JSON at 16; `alloc` bumps from 1024
/// (growing memory as needed) unless armed. `process` commands (`op` = first byte):
/// 0 echo the payload with the buffer protocol; 1 report `b` bytes, copy the payload to
/// `result + c` and return `a`; 2 trap; 3 grow memory by `a` pages and return 0 or -1;
/// 4 spin forever; 5 arm the next `alloc` to return `a`, then echo; 6 make `cleanup`
/// return `a`, then echo; 7 call `call_remote_service(a, b, c, p0, p1, p2)` (`p*` the
/// payload's first three i32) and return its code.
const GUEST: &str = r#"
(module
  (import "env" "call_remote_service"
    (func $remote (param i32 i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (global $bump (mut i32) (i32.const 1024))
  (global $armed (mut i32) (i32.const 0))
  (global $armed_ptr (mut i32) (i32.const 0))
  (global $cleanup_code (mut i32) (i32.const 0))
  (data (i32.const 16) "DESCRIBE")

  (func (export "alloc") (param $len i32) (result i32)
    (local $ptr i32) (local $end i32)
    (if (global.get $armed)
      (then
        (global.set $armed (i32.const 0))
        (return (global.get $armed_ptr))))
    (local.set $ptr (global.get $bump))
    (local.set $end (i32.add (local.get $ptr)
      (i32.and (i32.add (local.get $len) (i32.const 7)) (i32.const -8))))
    (if (i32.lt_u (local.get $end) (local.get $ptr)) (then (return (i32.const 0))))
    (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
      (then
        (if (i32.eq
              (memory.grow (i32.sub
                (i32.shr_u (i32.add (local.get $end) (i32.const 65535)) (i32.const 16))
                (memory.size)))
              (i32.const -1))
          (then (return (i32.const 0))))))
    (global.set $bump (local.get $end))
    (local.get $ptr))

  (func (export "dealloc") (param i32 i32))
  (func (export "initialize") (param i32) (result i32) (i32.const 0))
  (func (export "cleanup") (result i32) (global.get $cleanup_code))

  ;; The buffer protocol: `len` bytes at `src` into `result` (capacity at `result_len`).
  (func $answer (param $src i32) (param $len i32) (param $result i32) (param $result_len i32)
    (result i32)
    (if (i32.gt_u (local.get $len) (i32.load (local.get $result_len)))
      (then
        (i32.store (local.get $result_len) (local.get $len))
        (return (i32.const -2))))
    (memory.copy (local.get $result) (local.get $src) (local.get $len))
    (i32.store (local.get $result_len) (local.get $len))
    (i32.const 0))

  (func (export "describe") (param $result i32) (param $result_len i32) (result i32)
    (call $answer (i32.const 16) (i32.const DESCRIBE_LEN) (local.get $result) (local.get $result_len)))

  (func (export "process") (param $data i32) (param $len i32) (param $result i32) (param $result_len i32)
    (result i32)
    (local $op i32) (local $a i32) (local $b i32) (local $c i32) (local $payload i32) (local $plen i32)
    (if (i32.lt_u (local.get $len) (i32.const 13))
      (then (return (call $answer (local.get $data) (local.get $len) (local.get $result) (local.get $result_len)))))
    (local.set $op (i32.load8_u (local.get $data)))
    (local.set $a (i32.load (i32.add (local.get $data) (i32.const 1))))
    (local.set $b (i32.load (i32.add (local.get $data) (i32.const 5))))
    (local.set $c (i32.load (i32.add (local.get $data) (i32.const 9))))
    (local.set $payload (i32.add (local.get $data) (i32.const 13)))
    (local.set $plen (i32.sub (local.get $len) (i32.const 13)))
    (block $echo
      (block $op6 (block $op5 (block $op4 (block $op3 (block $op2 (block $op1 (block $op0
        (br_table $op0 $op1 $op2 $op3 $op4 $op5 $op6 $echo (i32.rem_u (local.get $op) (i32.const 8))))
        ;; 0: echo
        (br $echo))
        ;; 1: any code, any reported length, output anywhere
        (i32.store (local.get $result_len) (local.get $b))
        (memory.copy (i32.add (local.get $result) (local.get $c)) (local.get $payload) (local.get $plen))
        (return (local.get $a)))
        ;; 2: trap
        unreachable)
        ;; 3: grow
        (return (i32.sub (i32.const 0) (i32.eq (memory.grow (local.get $a)) (i32.const -1)))))
        ;; 4: spin
        (loop $forever (br $forever))
        unreachable)
        ;; 5: arm alloc
        (global.set $armed (i32.const 1))
        (global.set $armed_ptr (local.get $a))
        (br $echo))
        ;; 6: cleanup's code
        (global.set $cleanup_code (local.get $a))
        (br $echo))
    ;; 7 (and any other): the remote call when asked, else echo
    (if (i32.eq (i32.rem_u (local.get $op) (i32.const 8)) (i32.const 7))
      (then
        (return (call $remote (local.get $a) (local.get $b) (local.get $c)
          (i32.load (local.get $payload))
          (i32.load (i32.add (local.get $payload) (i32.const 4)))
          (i32.load (i32.add (local.get $payload) (i32.const 8)))))))
    (call $answer (local.get $payload) (local.get $plen) (local.get $result) (local.get $result_len)))
)
"#;

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
                let describe = format!(r#"{{"name":"fuzz-guest","version":"1","input":"bytes","output":"{format}"}}"#);
                let wat = GUEST
                    .replace("DESCRIBE_LEN", &describe.len().to_string())
                    .replace("DESCRIBE", &describe.replace('"', "\\\""));
                let wasm = wat::parse_str(&wat).expect("the guest assembles");
                runtime.load(&wasm, None).expect("the guest follows the ABI")
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

/// The codes a guest can cause. Not among them: `ERR_WASM_CAPACITY` (sessions are
/// closed, so the pool never fills), `ERR_WASM_ABI`/`ERR_WASM_COMPILE` (the module is
/// fixed), `ERR_INVALID_AUDIO` (the input format is bytes).
const GUEST_CAUSED: [&str; 9] = [
    "ERR_WASM_TRAP",
    "ERR_WASM_TIMEOUT",
    "ERR_WASM_MEMORY_LIMIT",
    "ERR_WASM_OUTPUT_TOO_LARGE",
    "ERR_WASM_BAD_POINTER",
    "ERR_WASM_BAD_OUTPUT",
    "ERR_WASM_INVALID_INPUT",
    "ERR_INVALID_CONFIG",
    "ERR_WASM_GUEST",
];

fuzz_target!(|data: &[u8]| {
    let fixture = fixture();
    let mut input = Carve::new(data);
    let variant = usize::from(input.u8()) % FORMATS.len();
    let module = &fixture.modules[variant];
    let limits = limits();
    let mut session = match WasmSession::new(Arc::clone(module), "fuzz".into(), limits, None, remote()) {
        Ok(session) => session,
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
                    assert_eq!(err.code(), "ERR_WASM_BAD_OUTPUT", "{err:?}");
                    assert_ne!(format, Format::Bytes, "bytes always decode");
                }
            }
            Err(err) => assert!(GUEST_CAUSED.contains(&err.code()), "unexpected {}: {err}", err.code()),
        }
    }
    if let Err(err) = session.close() {
        assert!(GUEST_CAUSED.contains(&err.code()), "unexpected {}: {err}", err.code());
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
