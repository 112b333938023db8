//! `hybrid_vad.wasm` (wasm-modules/hybrid_vad, built by `node scripts/build-wasm.mjs`)
//! against a real cloud tier: the tonic server on 127.0.0.1 (ephemeral port) running the
//! Silero `VAD` node, reached through the GrpcBridge host import. Cloud up (exactly the
//! uncertain frames are verified, each with the probability the Silero VAD gives for the
//! same window), cloud down, a denied service and a deadline exceeded (the edge decision
//! stands, no error).

#[path = "../../dsp/tests/vad_set/signals.rs"]
mod signals;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use edgemix_dsp::{Vad, VadConfig};
use edgemix_cloud::server::{serve, ServerHandle, ServerOptions};
use edgemix_cloud::{ClientOptions, CloudClient};
use edgemix_cloud::nodes::{BuiltinOptions, NodeRegistry};
use edgemix_cloud::GrpcBridge;
use edgemix_runtime::wasm::{Limits, RemoteAccess, Runtime, WasmSession};
use edgemix_silero::{vad_node_spec, SileroConfig, SileroVad};
use serde_json::{json, Value};
use signals::{accuracy, condition_signal, test_set, CONDITIONS, SET_FRAME};

/// Frames the module sends per verification (its default).
const CONTEXT_FRAMES: usize = 24;
const BAND: (f32, f32) = (0.3, 0.7);

struct Cloud {
    runtime: tokio::runtime::Runtime,
    server: Option<ServerHandle>,
    endpoint: String,
}

impl Cloud {
    /// A server with the built-in nodes (and the test node `Delay`) plus `VAD`.
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let mut registry = NodeRegistry::builtin(BuiltinOptions { test_nodes: true });
        registry.register(vad_node_spec()).unwrap();
        let options = ServerOptions {
            addr: "127.0.0.1:0".parse().unwrap(),
            registry: Arc::new(registry),
            ..ServerOptions::default()
        };
        let server = runtime.block_on(serve(options)).unwrap();
        let endpoint = format!("http://{}", server.local_addr());
        Self {
            runtime,
            server: Some(server),
            endpoint,
        }
    }

    /// A runtime for a client of an endpoint where nothing listens.
    fn down() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Self {
            runtime,
            server: None,
            endpoint: format!("http://127.0.0.1:{port}"),
        }
    }

    fn client(&self, timeout: Duration) -> CloudClient {
        CloudClient::new(ClientOptions {
            endpoints: vec![self.endpoint.clone()],
            timeout,
            ..ClientOptions::default()
        })
        .unwrap()
    }

    fn access(&self, allow: &[&str], timeout: Duration) -> RemoteAccess {
        let bridge = GrpcBridge::new(self.client(timeout), self.runtime.handle().clone());
        RemoteAccess {
            allow: allow.iter().map(|s| s.to_string()).collect(),
            service: Some(Arc::new(bridge)),
            ..RemoteAccess::default()
        }
    }

    /// ExecuteNode calls the server has answered so far (GetStatus does not count itself).
    fn requests(&self) -> i64 {
        let client = self.client(Duration::from_secs(5));
        self.runtime
            .block_on(client.status())
            .unwrap()
            .total_requests
    }
}

impl Drop for Cloud {
    fn drop(&mut self) {
        if let Some(mut server) = self.server.take() {
            let _ = self.runtime.block_on(server.shutdown());
        }
    }
}

fn session(access: RemoteAccess, config: Value) -> WasmSession {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../wasm-modules/dist/hybrid_vad.wasm");
    assert!(
        path.is_file(),
        "{} is missing: run `node scripts/build-wasm.mjs` first",
        path.display()
    );
    let module = Runtime::global(None)
        .unwrap()
        .load_file(&path, None)
        .unwrap();
    // A generous call limit: the test machine is shared; the deadline test sets its own.
    let limits = Limits {
        timeout_ms: 5_000,
        ..Limits::default()
    };
    WasmSession::new(module, "hybrid".into(), limits, Some(&config), access).unwrap()
}

fn f32_bytes(samples: &[f32]) -> Vec<u8> {
    samples.iter().flat_map(|s| s.to_le_bytes()).collect()
}

fn f32_of(value: &Value) -> f32 {
    value.to_string().parse().unwrap()
}

fn in_band(p: f32) -> bool {
    (BAND.0..=BAND.1).contains(&p)
}

/// The Silero VAD's probability for the last frame of `window` (a fresh stream, flushed).
fn silero_last(window: &[f32]) -> f32 {
    let mut vad = SileroVad::new(SileroConfig::default()).unwrap();
    let mut frames = vad.process(window).unwrap();
    frames.extend(vad.flush().unwrap());
    frames.last().unwrap().probability
}

/// Runs `signal` frame by frame; the module's output per frame.
fn run(session: &mut WasmSession, signal: &[f32], frames: usize) -> Vec<Value> {
    signal
        .chunks_exact(SET_FRAME)
        .take(frames)
        .map(|frame| serde_json::from_slice(&session.process(&f32_bytes(frame)).unwrap()).unwrap())
        .collect()
}

#[test]
fn with_the_cloud_up_exactly_the_uncertain_frames_are_verified_by_silero() {
    let cloud = Cloud::start();
    let set = test_set();
    let mut report = Vec::new();
    for condition in &CONDITIONS {
        let signal = condition_signal(&set, condition);
        let mut hybrid = session(cloud.access(&["VAD"], Duration::from_secs(5)), json!({}));
        let mut edge = Vad::new(VadConfig::default()).unwrap();
        let before = cloud.requests();
        let out = run(&mut hybrid, &signal, set.labels.len());
        let mut uncertain = 0;
        for (i, frame) in out.iter().enumerate() {
            let local = edge
                .process(&signal[i * SET_FRAME..(i + 1) * SET_FRAME])
                .unwrap();
            assert_eq!(
                f32_of(&frame["edgeProbability"]).to_bits(),
                local.probability.to_bits(),
                "frame {i}"
            );
            assert!(frame.get("remoteError").is_none(), "frame {i}: {frame}");
            if in_band(local.probability) {
                uncertain += 1;
                assert_eq!(frame["source"], "cloud", "frame {i}");
                let start = (i + 1).saturating_sub(CONTEXT_FRAMES) * SET_FRAME;
                let expected = silero_last(&signal[start..(i + 1) * SET_FRAME]);
                let got = f32_of(&frame["probability"]);
                assert!(
                    (got - expected).abs() < 1e-6,
                    "frame {i}: cloud {got} vs Silero {expected}"
                );
                assert_eq!(frame["speech"], got >= 0.5, "frame {i}");
            } else {
                assert_eq!(frame["source"], "edge", "frame {i}");
                assert_eq!(frame["speech"], local.speech, "frame {i}");
            }
        }
        assert!(
            uncertain > 0,
            "{}: the set has uncertain frames",
            condition.name
        );
        // One ExecuteNode per uncertain frame.
        assert_eq!(
            cloud.requests() - before,
            uncertain as i64,
            "{}",
            condition.name
        );
        let decisions: Vec<bool> = out.iter().map(|f| f["speech"].as_bool().unwrap()).collect();
        report.push((
            condition.name,
            accuracy(&decisions, &set.labels),
            uncertain as f64 / out.len() as f64,
        ));
    }
    eprintln!("hybrid_vad (band {BAND:?}): condition, accuracy, share of frames sent to the cloud");
    for (name, acc, share) in report {
        eprintln!("{name:<12} {acc:.4} {share:.3}");
    }
}

#[test]
fn with_the_cloud_down_every_frame_keeps_its_edge_decision() {
    let cloud = Cloud::down();
    let set = test_set();
    let signal = condition_signal(&set, &CONDITIONS[3]);
    let frames = 300;
    let mut hybrid = session(
        cloud.access(&["VAD"], Duration::from_millis(500)),
        json!({}),
    );
    let mut edge = Vad::new(VadConfig::default()).unwrap();
    let mut attempted = 0;
    for (i, frame) in run(&mut hybrid, &signal, frames).iter().enumerate() {
        let local = edge
            .process(&signal[i * SET_FRAME..(i + 1) * SET_FRAME])
            .unwrap();
        assert_eq!(frame["source"], "edge");
        assert_eq!(frame["speech"], local.speech, "frame {i}");
        assert_eq!(
            f32_of(&frame["probability"]).to_bits(),
            local.probability.to_bits(),
            "frame {i}"
        );
        if in_band(local.probability) {
            attempted += 1;
            assert_eq!(frame["remoteError"], "unavailable", "frame {i}");
        } else {
            assert!(frame.get("remoteError").is_none());
        }
    }
    assert!(attempted > 0);
}

#[test]
fn a_service_outside_the_allowlist_is_denied_without_reaching_the_cloud() {
    let cloud = Cloud::start();
    let set = test_set();
    let signal = condition_signal(&set, &CONDITIONS[3]);
    let mut hybrid = session(cloud.access(&["MFCC"], Duration::from_secs(5)), json!({}));
    let before = cloud.requests();
    let out = run(&mut hybrid, &signal, 300);
    let denied = out.iter().filter(|f| f["remoteError"] == "denied").count();
    assert!(denied > 0);
    assert!(out.iter().all(|f| f["source"] == "edge"));
    assert_eq!(cloud.requests() - before, 0, "no call reached the server");
}

#[test]
fn a_cloud_slower_than_the_deadline_times_out_and_the_edge_decision_stands() {
    let cloud = Cloud::start();
    let set = test_set();
    let signal = condition_signal(&set, &CONDITIONS[3]);
    // `Delay` answers after 100 ms; the client allows 30 ms.
    let mut hybrid = session(
        cloud.access(&["Delay"], Duration::from_millis(30)),
        json!({ "service": "Delay" }),
    );
    let mut edge = Vad::new(VadConfig::default()).unwrap();
    let mut timed_out = 0;
    for (i, frame) in run(&mut hybrid, &signal, 150).iter().enumerate() {
        let local = edge
            .process(&signal[i * SET_FRAME..(i + 1) * SET_FRAME])
            .unwrap();
        assert_eq!(frame["speech"], local.speech, "frame {i}");
        if in_band(local.probability) {
            assert_eq!(frame["remoteError"], "timeout", "frame {i}");
            timed_out += 1;
        }
    }
    assert!(timed_out > 0);
}
