//! Times the wasmtime host directly in Rust and prints one JSON line. Used by
//! `npm run bench` (bench/run.mjs, section `wasm`); the peer (the same .wasm files in
//! V8) is bench/wasm_v8.mjs.
//!
//! ```sh
//! cargo run --release -q --example bench_wasm -p edgemix-runtime -- [--scale=1] [--dist=DIR] [--sessions=1000]
//! ```
//!
//! Measures, on the modules in wasm-modules/dist (`node scripts/build-wasm.mjs`):
//! - `echo`: `WasmSession::process` on 3840 bytes (960 f32), the per-call cost of the host;
//! - `mixer`: `WasmSession::process` per 960-sample frame of mixer.wasm, and the native
//!   `MixerChain::process` on the same frames (the same test signal as bench_chain.rs);
//! - `denoise`: the same for denoise.wasm and the native `Denoiser` (RNNoise, mono);
//! - loads: cold (fresh bytes: compile), warm (same bytes: in-memory cache), disk (a fresh
//!   hash whose .cwasm is in a temporary cache dir);
//! - `WasmSession::new` on mixer.wasm (slot reused: create then drop), and while creating
//!   `--sessions` idle sessions (fresh pool slots), with the resident memory they add;
//! - those sessions processing 50 frames each (1 s of audio) on 2 worker threads, and 10
//!   each on 1 thread (the shape of the V8 peer's run, which has one JS thread).
//!
//! Percentiles are nearest-rank at index floor(q·n) of the sorted times, as everywhere in
//! the bench. Times are ns unless named otherwise.

#[path = "../../dsp/examples/common/signal.rs"]
mod signal;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use edgemix_dsp::{ChainConfig, Channels, DenoiseConfig, Denoiser, MixerChain, FRAME_SAMPLES};
use edgemix_runtime::wasm::{
    CacheOutcome, Limits, RemoteAccess, Runtime, RuntimeOptions, WasmModule, WasmSession,
};
use serde_json::{json, Value};

/// Frames in the test signal (cycled), as in bench_chain.rs.
const SIGNAL_FRAMES: usize = 500;
/// Frames each session processes in the concurrent run on 2 threads: 1 s of audio at 20 ms
/// per frame. The 1-thread run (compared with V8 on its one thread) does 10.
const FRAMES_PER_SESSION: usize = 50;
const FRAMES_PER_SESSION_1_THREAD: usize = 10;

struct Args {
    scale: f64,
    dist: PathBuf,
    sessions: usize,
}

fn args() -> Args {
    let mut args = Args {
        scale: 1.0,
        dist: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../wasm-modules/dist"),
        sessions: 1000,
    };
    for arg in std::env::args().skip(1) {
        if let Some(v) = arg.strip_prefix("--scale=") {
            args.scale = v.parse().expect("--scale=<number>");
        } else if let Some(v) = arg.strip_prefix("--dist=") {
            args.dist = v.into();
        } else if let Some(v) = arg.strip_prefix("--sessions=") {
            args.sessions = v.parse().expect("--sessions=<count>");
        } else {
            panic!("unknown argument {arg}");
        }
    }
    args
}

fn main() {
    let args = args();
    let n = |count: usize| ((count as f64 * args.scale).round() as usize).max(20);
    let read = |name: &str| {
        let path = args.dist.join(name);
        std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (run `node scripts/build-wasm.mjs`)",
                path.display()
            )
        })
    };
    let echo_bytes = read("echo.wasm");
    let mixer_bytes = read("mixer.wasm");
    let denoise_bytes = read("denoise.wasm");

    let t = Instant::now();
    // One module fills the pool here on purpose: no per-module share below the pool size.
    let defaults = RuntimeOptions::default();
    let options = RuntimeOptions {
        max_instances_per_module: Some(defaults.max_instances),
        ..defaults
    };
    let runtime = Runtime::global(Some(&options)).expect("the WASM engine starts");
    let engine_start_ns = t.elapsed().as_nanos() as f64;
    let max_instances = runtime.options().max_instances as usize;
    assert!(
        args.sessions <= max_instances,
        "--sessions must fit the instance pool (maxInstances {max_instances})"
    );

    // ── Loads. Each cold load gets bytes no load has seen (a unique custom section), so it
    // compiles; everything else about the module is the same.
    let mut unique = 0u32;
    let mut fresh = |bytes: &[u8]| {
        unique += 1;
        with_custom_section(
            bytes,
            &format!("edgemix-bench-{}-{unique}", std::process::id()),
        )
    };
    let cold = |bytes: &[u8], iters: usize, fresh: &mut dyn FnMut(&[u8]) -> Vec<u8>| {
        let times: Vec<f64> = (0..iters)
            .map(|_| {
                let b = fresh(bytes);
                let t = Instant::now();
                let m = runtime.load(&b, None).expect("loads");
                let ns = t.elapsed().as_nanos() as f64;
                assert_eq!(m.cache_outcome(), CacheOutcome::Compiled);
                ns
            })
            .collect();
        times
    };
    let cold_mixer = stats(cold(&mixer_bytes, 3, &mut fresh));
    let cold_echo = stats(cold(&echo_bytes, 3, &mut fresh));

    // The modules the rest of the run uses: the dist files' own bytes.
    let mixer = runtime.load(&mixer_bytes, None).expect("mixer.wasm loads");
    let echo = runtime.load(&echo_bytes, None).expect("echo.wasm loads");
    let warm_mixer = stats(
        (0..n(500))
            .map(|_| {
                let t = Instant::now();
                let m = runtime.load(&mixer_bytes, None).expect("loads");
                let ns = t.elapsed().as_nanos() as f64;
                assert_eq!(m.cache_outcome(), CacheOutcome::Memory);
                ns
            })
            .collect(),
    );

    // Disk: one compile writes a .cwasm; each timed load gets fresh bytes whose hash names
    // a copy of that file (the way crates/runtime/tests/wasm.rs fakes a hit: a second
    // engine cannot be created in-process).
    let dir = std::env::temp_dir().join(format!("edgemix-bench-wasm-{}", std::process::id()));
    let seed_bytes = fresh(&mixer_bytes);
    let t = Instant::now();
    let seed = runtime.load(&seed_bytes, Some(&dir)).expect("loads");
    let cold_with_write_ns = t.elapsed().as_nanos() as f64;
    let cwasm = dir.join(format!("{}.cwasm", seed.hash()));
    let cwasm_bytes = std::fs::metadata(&cwasm).map(|m| m.len()).unwrap_or(0);
    let disk_mixer = stats(
        (0..n(20).max(10))
            .map(|_| {
                let b = fresh(&mixer_bytes);
                std::fs::copy(&cwasm, dir.join(format!("{}.cwasm", sha256_hex(&b))))
                    .expect("copy the cached module");
                let t = Instant::now();
                let m = runtime.load(&b, Some(&dir)).expect("loads");
                let ns = t.elapsed().as_nanos() as f64;
                assert_eq!(m.cache_outcome(), CacheOutcome::Disk);
                ns
            })
            .collect(),
    );
    std::fs::remove_dir_all(&dir).ok();

    // ── Per call.
    let signal = signal::test_signal(FRAME_SAMPLES * SIGNAL_FRAMES);
    let frames: Vec<Vec<u8>> = signal.chunks(FRAME_SAMPLES).map(f32_bytes).collect();

    let mut echo_session = session(&echo, "bench-echo");
    let echo_call = time_calls(n(5_000), n(50_000), |i| {
        let out = echo_session
            .process(&frames[i % SIGNAL_FRAMES])
            .expect("echo");
        debug_assert_eq!(out.len(), 4 * FRAME_SAMPLES);
        std::hint::black_box(out);
    });
    assert_eq!(
        echo_session.process(&frames[3]).unwrap(),
        frames[3],
        "echo returns its input"
    );
    echo_session.close().expect("closes");
    drop(echo_session);

    let mut wasm_chain = session(&mixer, "bench-mixer");
    let mut native_chain =
        MixerChain::new(ChainConfig::default()).expect("default config is valid");
    // Parity on the first frames (same default config, fresh state on both sides).
    let mut max_diff = 0.0f32;
    let mut block = vec![0.0f32; FRAME_SAMPLES];
    for frame in signal.chunks(FRAME_SAMPLES).take(50) {
        block.copy_from_slice(frame);
        native_chain.process(&mut block).expect("finite");
        let got = from_bytes(&wasm_chain.process(&f32_bytes(frame)).expect("mixer"));
        max_diff = got
            .iter()
            .zip(&block)
            .map(|(a, b)| (a - b).abs())
            .fold(max_diff, f32::max);
    }
    let (mixer_warmup, mixer_n) = (n(1_000), n(10_000));
    let wasm_mixer = time_calls(mixer_warmup, mixer_n, |i| {
        let out = wasm_chain
            .process(&frames[i % SIGNAL_FRAMES])
            .expect("mixer");
        std::hint::black_box(out);
    });
    let native_mixer = time_calls(mixer_warmup, mixer_n, |i| {
        let start = (i % SIGNAL_FRAMES) * FRAME_SAMPLES;
        block.copy_from_slice(&signal[start..start + FRAME_SAMPLES]);
        native_chain.process(&mut block).expect("finite");
        std::hint::black_box(&block);
    });
    wasm_chain.close().expect("closes");
    drop(wasm_chain);

    // ── The noise suppressor alone, the same way (mono, no attenuation limit).
    let denoise = runtime.load(&denoise_bytes, None).expect("denoise.wasm loads");
    let mut wasm_denoise = session(&denoise, "bench-denoise");
    let mut native_denoise = Denoiser::new(
        &DenoiseConfig { enabled: true, ..DenoiseConfig::default() },
        Channels::Mono,
    );
    let mut denoise_max_diff = 0.0f32;
    for frame in signal.chunks(FRAME_SAMPLES).take(50) {
        block.copy_from_slice(frame);
        native_denoise.process(&mut block);
        let got = from_bytes(&wasm_denoise.process(&f32_bytes(frame)).expect("denoise"));
        denoise_max_diff = got
            .iter()
            .zip(&block)
            .map(|(a, b)| (a - b).abs())
            .fold(denoise_max_diff, f32::max);
    }
    let (denoise_warmup, denoise_n) = (n(200), n(2_000));
    let wasm_denoise_ns = time_calls(denoise_warmup, denoise_n, |i| {
        let out = wasm_denoise
            .process(&frames[i % SIGNAL_FRAMES])
            .expect("denoise");
        std::hint::black_box(out);
    });
    let native_denoise_ns = time_calls(denoise_warmup, denoise_n, |i| {
        let start = (i % SIGNAL_FRAMES) * FRAME_SAMPLES;
        block.copy_from_slice(&signal[start..start + FRAME_SAMPLES]);
        native_denoise.process(&mut block);
        std::hint::black_box(&block);
    });
    wasm_denoise.close().expect("closes");
    drop(wasm_denoise);

    // ── Session creation with a pool slot just freed (create, then drop).
    let (create_warmup, create_n) = (n(200), n(3_000));
    let mut create_times = Vec::with_capacity(create_n);
    for i in 0..create_warmup + create_n {
        let t = Instant::now();
        let s = session(&mixer, &format!("bench-create-{i}"));
        let ns = t.elapsed().as_nanos() as f64;
        drop(s);
        if i >= create_warmup {
            create_times.push(ns);
        }
    }
    let create = stats(create_times);

    // ── `sessions` idle sessions alive at once: creation into fresh slots, and the memory
    // they add (VmRSS from /proc/self/status; PSS from smaps_rollup counts the pages of a
    // module's memory image shared between instances once).
    let before = memory();
    let mut alive = Vec::with_capacity(args.sessions);
    let mut fill_times = Vec::with_capacity(args.sessions);
    for i in 0..args.sessions {
        let t = Instant::now();
        alive.push(session(&mixer, &format!("bench-idle-{i}")));
        fill_times.push(t.elapsed().as_nanos() as f64);
    }
    let after = memory();
    let per = |key: &str| {
        (after[key].as_f64().unwrap_or(0.0) - before[key].as_f64().unwrap_or(0.0))
            / args.sessions as f64
    };
    let idle = json!({
        "sessions": args.sessions,
        "createNs": stats(fill_times),
        "bytesPerSession": { "rss": per("rss"), "pss": per("pss"), "anon": per("anon"), "file": per("file"), "shmem": per("shmem") },
        "before": before,
        "after": after,
    });

    // ── Those sessions processing 1 s of audio each (50 frames), frame by frame across all
    // sessions as live streams would arrive, on 2 and then on 1 worker thread. Each thread
    // owns a disjoint half of the sessions (a session is Send, not Sync).
    let concurrent = |threads: usize, per_session: usize, alive: &mut Vec<WasmSession>| -> Value {
        let chunk = alive.len().div_ceil(threads);
        let cpu_before = cpu_seconds();
        let t = Instant::now();
        let latencies: Vec<Vec<f64>> = std::thread::scope(|scope| {
            let handles: Vec<_> = alive
                .chunks_mut(chunk)
                .enumerate()
                .map(|(k, part)| {
                    let frames = &frames;
                    scope.spawn(move || {
                        let mut lat = Vec::with_capacity(part.len() * per_session);
                        for f in 0..per_session {
                            for (j, s) in part.iter_mut().enumerate() {
                                let input = &frames[(k * chunk + j + f) % SIGNAL_FRAMES];
                                let t = Instant::now();
                                std::hint::black_box(s.process(input).expect("mixer"));
                                lat.push(t.elapsed().as_nanos() as f64);
                            }
                        }
                        lat
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("worker"))
                .collect()
        });
        let wall = t.elapsed().as_nanos() as f64;
        let cpu = cpu_seconds() - cpu_before;
        let total = alive.len() * per_session;
        let audio_s = per_session as f64 * FRAME_SAMPLES as f64 / 48_000.0;
        json!({
            "threads": threads,
            "sessions": alive.len(),
            "framesPerSession": per_session,
            "frames": total,
            "wallNs": wall,
            "nsPerFrame": wall / total as f64,
            "framesPerSecond": total as f64 / (wall * 1e-9),
            // Audio seconds processed (all streams) per wall second.
            "realTimeFactor": alive.len() as f64 * audio_s / (wall * 1e-9),
            "latency": stats(latencies.concat()),
            // CPU time of the process over wall time: the cores the run actually got
            // (below `threads` when other work competes for them).
            "coresUsed": cpu / (wall * 1e-9),
        })
    };
    let concurrent2 = concurrent(2, FRAMES_PER_SESSION, &mut alive);
    let concurrent1 = concurrent(1, FRAMES_PER_SESSION_1_THREAD, &mut alive);
    let t = Instant::now();
    for mut s in alive.drain(..) {
        s.close().expect("closes");
    }
    let close_all_ns = t.elapsed().as_nanos() as f64;

    let report = json!({
        "engineStartNs": engine_start_ns,
        "maxInstances": max_instances,
        "scale": args.scale,
        "bytes": { "echo": echo_bytes.len(), "mixer": mixer_bytes.len(), "mixerCwasm": cwasm_bytes },
        "load": {
            "coldMixer": cold_mixer,
            "coldEcho": cold_echo,
            "coldMixerWithDiskWriteNs": cold_with_write_ns,
            "warmMixer": warm_mixer,
            "diskMixer": disk_mixer,
        },
        "echo": json!({ "inputBytes": 4 * FRAME_SAMPLES, "ns": echo_call }),
        "mixer": { "frameSamples": FRAME_SAMPLES, "wasmNs": wasm_mixer, "nativeNs": native_mixer, "parityMaxDiff": max_diff },
        "denoise": { "frameSamples": FRAME_SAMPLES, "wasmNs": wasm_denoise_ns, "nativeNs": native_denoise_ns, "parityMaxDiff": denoise_max_diff },
        "sessionCreate": create,
        "idle": idle,
        "concurrent": [concurrent2, concurrent1],
        "closeAllNs": close_all_ns,
    });
    println!("{report}");
}

fn session(module: &Arc<WasmModule>, id: &str) -> WasmSession {
    WasmSession::new(
        Arc::clone(module),
        id.to_string(),
        Limits::default(),
        None,
        RemoteAccess::default(),
    )
    .expect("session starts")
}

/// `warmup` untimed calls, then `n` calls timed one by one, then `n` more as one batch
/// (a cross-check of the mean without a timer read pair per call).
fn time_calls(warmup: usize, n: usize, mut f: impl FnMut(usize)) -> Value {
    for i in 0..warmup {
        f(i);
    }
    let mut times = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        f(warmup + i);
        times.push(t.elapsed().as_nanos() as f64);
    }
    let t = Instant::now();
    for i in 0..n {
        f(warmup + n + i);
    }
    let batched = t.elapsed().as_nanos() as f64 / n as f64;
    let mut s = stats(times);
    s["batchedMean"] = json!(batched);
    s
}

fn stats(mut times: Vec<f64>) -> Value {
    times.sort_by(f64::total_cmp);
    let n = times.len();
    let at = |q: f64| times[((q * n as f64) as usize).min(n - 1)];
    json!({
        "n": n,
        "p50": at(0.5),
        "p99": at(0.99),
        "mean": times.iter().sum::<f64>() / n as f64,
        "min": times[0],
        "max": times[n - 1],
    })
}

/// Resident memory of this process, bytes: VmRSS and its parts (status), PSS (smaps_rollup).
fn memory() -> Value {
    let field = |text: &str, key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|rest| rest.split_whitespace().next()?.parse::<f64>().ok())
            .map(|kb| kb * 1024.0)
    };
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let rollup = std::fs::read_to_string("/proc/self/smaps_rollup").unwrap_or_default();
    json!({
        "rss": field(&status, "VmRSS:"),
        "anon": field(&status, "RssAnon:"),
        "file": field(&status, "RssFile:"),
        "shmem": field(&status, "RssShmem:"),
        "pss": field(&rollup, "Pss:"),
    })
}

/// User + system CPU time of the whole process (all threads), seconds; /proc/self/stat
/// counts in clock ticks of 1/100 s (USER_HZ on Linux).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// `bytes` plus a custom section named `name` (id 0, size, name length, name): the same
/// module with another content hash.
fn with_custom_section(bytes: &[u8], name: &str) -> Vec<u8> {
    assert!(name.len() < 127, "one-byte LEB128 lengths");
    let mut out = bytes.to_vec();
    out.extend_from_slice(&[0, name.len() as u8 + 1, name.len() as u8]);
    out.extend_from_slice(name.as_bytes());
    out
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn f32_bytes(samples: &[f32]) -> Vec<u8> {
    samples.iter().flat_map(|s| s.to_le_bytes()).collect()
}

fn from_bytes(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")))
        .collect()
}
