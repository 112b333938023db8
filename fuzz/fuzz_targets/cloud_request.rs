//! The cloud tier's requests: an `ExecuteNode` as the service runs it (node type, the
//! `{k: str(v)}` configuration, the serialization format, the input bytes), for every
//! built-in node and format (pickle through the restricted unpickler), `WasmModule` included (its modules directory holds the
//! fuzz-driven guest of the ABI target, without its spin).
//!
//! For every input: no panic; every refusal a caller's error (`INVALID_ARGUMENT`) or an
//! exhausted resource, never an internal error (but for the guest's own failures, which
//! `WasmModule` reports as the server's); decoding the input uses at most
//! [`DECODE_FACTOR`] times its size (plus [`DECODE_BASE`]) and the whole request at most
//! [`REQUEST_FACTOR`] times the request's size plus [`REQUEST_BASE`].
//!
//! Input: a format byte (json, f32le, bytes, pickle, or a name from the configuration's
//! first line), a node byte (a built-in node by index, or a name from the first line), a u16
//! length and the configuration text (`key=value` lines), then the input bytes.

#![no_main]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use edgemix_fuzz::{guest, Carve, PeakAlloc, Spin};
use edgemix_cloud::nodes::{BuiltinOptions, NodeContext, NodeErrorKind, NodeRegistry};
use edgemix_cloud::{decode, execute_once, Serialization};
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: PeakAlloc = PeakAlloc;

/// Heap decoding may use per input byte: a JSON array of one-digit numbers is 2 bytes
/// per element, parsed into a 32-byte `Value` in a vector that may double.
const DECODE_FACTOR: usize = 64;
/// Heap decoding may use whatever the input: the unpickler's stack, memo and value table
/// start at a few KiB (a 188-byte pickle took 17 KiB).
const DECODE_BASE: usize = 64 * 1024;
/// Heap a whole request may use per request byte, and beyond that.
const REQUEST_FACTOR: usize = 64;
const REQUEST_BASE: usize = 64 << 20;

struct Fixture {
    registry: NodeRegistry,
    names: Vec<&'static str>,
    context: NodeContext,
}

/// A modules directory with the guest in its three output formats.
fn modules_dir() -> PathBuf {
    let dir = std::env::temp_dir().join("edgemix-fuzz-modules");
    std::fs::create_dir_all(&dir).expect("a modules directory");
    for format in ["bytes", "f32", "json"] {
        let path = dir.join(format!("guest-{format}.wasm"));
        // Written aside and renamed: concurrent fuzzing processes never see half a file.
        let aside = dir.join(format!(".guest-{format}.{}", std::process::id()));
        std::fs::write(&aside, guest(format, Spin::Trap)).expect("the guest is written");
        std::fs::rename(&aside, &path).expect("the guest is in place");
    }
    dir
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let registry = NodeRegistry::builtin(BuiltinOptions::default());
        let names = registry.specs().map(|spec| spec.name).collect();
        Fixture {
            registry,
            names,
            context: NodeContext {
                modules_dir: Some(modules_dir()),
                modules: None,
            },
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let fixture = fixture();
    let mut input = Carve::new(data);
    let (format_choice, node_choice) = (input.u8(), input.u8());
    let config_len = usize::from(input.u16());
    let config_text = String::from_utf8_lossy(input.take(config_len)).into_owned();
    let payload = input.rest();

    let mut lines = config_text.split('\n');
    let named = lines.next().unwrap_or_default();
    let config: HashMap<String, String> = lines
        .map(|line| match line.split_once('=') {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => (line.to_owned(), String::new()),
        })
        .collect();
    let format_name = match format_choice % 5 {
        0 => "json",
        1 => "f32le",
        2 => "bytes",
        3 => "pickle",
        _ => named,
    };
    let node = fixture
        .names
        .get(usize::from(node_choice) % (fixture.names.len() + 1))
        .copied()
        .unwrap_or(named);
    let Ok(format) = format_name.parse::<Serialization>() else {
        return;
    };

    let (_, decoding) = PeakAlloc::measure(|| decode(format, payload));
    assert!(
        decoding <= DECODE_FACTOR * payload.len() + DECODE_BASE,
        "decoding {} bytes as {format} used {decoding} bytes of heap",
        payload.len()
    );

    let (outcome, request) = PeakAlloc::measure(|| {
        execute_once(&fixture.registry, &fixture.context, node, &config, format, payload)
    });
    if let Err(err) = outcome {
        // The fuzz guest traps, spins and answers garbage on command: the node reports a
        // module's own failure as the server's (`INTERNAL`, a spin past its time limit as
        // `DEADLINE_EXCEEDED`), its message led by the node's name.
        let guest_failed = node == "WasmModule"
            && matches!(err.kind, NodeErrorKind::Internal | NodeErrorKind::DeadlineExceeded)
            && err.message.starts_with("WasmModule: ");
        assert!(
            guest_failed || matches!(err.kind, NodeErrorKind::InvalidArgument | NodeErrorKind::ResourceExhausted),
            "{node} ({format}) failed as {:?}: {}",
            err.kind,
            err.message
        );
    }
    assert!(
        request <= REQUEST_FACTOR * data.len() + REQUEST_BASE,
        "{node} ({format}, {} bytes, config {config:?}) used {request} bytes of heap",
        data.len()
    );
});
