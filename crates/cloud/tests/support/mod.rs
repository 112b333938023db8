//! Helpers of the cloud tests: a real server on 127.0.0.1 with an ephemeral port, a
//! client for it, test signals, and a raw gRPC caller for bytes no well-behaved client
//! would send.
#![allow(dead_code)] // each test file uses its own subset

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Buf, BufMut, Bytes};
use edgemix_cloud::server::{serve, ServerHandle, ServerOptions};
use edgemix_cloud::{ClientOptions, CloudClient, CloudError, Serialization};
use edgemix_cloud::nodes::{BuiltinOptions, NodeRegistry};
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::transport::Channel;
use tonic::Status;

#[path = "../../../dsp/tests/common/xorshift.rs"]
mod xorshift;
pub use xorshift::XorShift64;

pub fn modules_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../wasm-modules/dist");
    assert!(
        dir.join("mixer.wasm").is_file(),
        "{} lacks mixer.wasm: run `node scripts/build-wasm.mjs` first",
        dir.display()
    );
    dir
}

/// Options of a test server: loopback, ephemeral port, test nodes, the built modules.
pub fn options() -> ServerOptions {
    ServerOptions {
        addr: "127.0.0.1:0".parse().unwrap(),
        registry: Arc::new(NodeRegistry::builtin(BuiltinOptions { test_nodes: true })),
        modules_dir: Some(modules_dir()),
        shutdown_grace: Duration::from_secs(5),
        ..ServerOptions::default()
    }
}

/// `options()` bound to `addr`.
pub fn options_at(addr: std::net::SocketAddr) -> ServerOptions {
    ServerOptions {
        addr,
        ..options()
    }
}

pub async fn start() -> ServerHandle {
    serve(options()).await.expect("the test server starts")
}

pub fn url(server: &ServerHandle) -> String {
    format!("http://{}", server.local_addr())
}

pub fn client_for(endpoints: Vec<String>) -> CloudClient {
    CloudClient::new(ClientOptions {
        endpoints,
        timeout: Duration::from_secs(10),
        ..ClientOptions::default()
    })
    .unwrap()
}

pub fn client(server: &ServerHandle) -> CloudClient {
    client_for(vec![url(server)])
}

/// What `client` gets back from one ExecuteNode call (no deadline); panics on an error.
pub async fn execute(
    client: &CloudClient,
    node: &str,
    config: &serde_json::Value,
    format: Serialization,
    input: impl Into<Bytes>,
) -> Bytes {
    client
        .execute(node, config, format, input.into(), None)
        .await
        .expect("the call succeeded")
}

/// The error `client` gets for an ExecuteNode call it must refuse.
pub async fn refusal(
    client: &CloudClient,
    node: &str,
    config: &serde_json::Value,
    format: Serialization,
    input: Bytes,
) -> CloudError {
    client
        .execute(node, config, format, input, None)
        .await
        .expect_err("the call was refused")
}

/// Asserts that `message` contains every one of `parts`.
#[track_caller]
pub fn assert_mentions(message: &str, parts: &[&str]) {
    assert!(parts.iter().all(|part| message.contains(part)), "{message}");
}

/// Uniform white noise in [-amplitude, amplitude).
pub fn noise(n: usize, amplitude: f64, seed: u64) -> Vec<f32> {
    let mut rng = XorShift64::new(seed);
    (0..n)
        .map(|_| (amplitude * (2.0 * rng.uniform() - 1.0)) as f32)
        .collect()
}

/// A test signal with loud and quiet passages, so gate, compressor and limiter all act.
pub fn program(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = XorShift64::new(seed);
    (0..n)
        .map(|i| {
            let t = i as f64 / 48_000.0;
            let envelope = if (i / 4800) % 3 == 0 {
                0.9
            } else if (i / 4800) % 3 == 1 {
                0.05
            } else {
                0.0005
            };
            (envelope
                * (0.7 * (std::f64::consts::TAU * 220.0 * t).sin()
                    + 0.3 * (2.0 * rng.uniform() - 1.0))) as f32
        })
        .collect()
}

pub fn f32le(samples: &[f32]) -> Bytes {
    edgemix_wire::f32le::encode(samples).into()
}

pub fn samples(bytes: &[u8]) -> Vec<f32> {
    edgemix_wire::f32le::decode(bytes).expect("a whole number of float32 samples")
}

/// A codec that sends and receives message bytes as they are (no protobuf).
#[derive(Debug, Clone, Default)]
pub struct RawCodec;

#[derive(Debug, Clone, Default)]
pub struct RawBytes;

impl Encoder for RawBytes {
    type Item = Bytes;
    type Error = Status;
    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put(item);
        Ok(())
    }
}

impl Decoder for RawBytes {
    type Item = Bytes;
    type Error = Status;
    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, Status> {
        Ok(Some(src.copy_to_bytes(src.remaining())))
    }
}

impl Codec for RawCodec {
    type Encode = Bytes;
    type Decode = Bytes;
    type Encoder = RawBytes;
    type Decoder = RawBytes;
    fn encoder(&mut self) -> RawBytes {
        RawBytes
    }
    fn decoder(&mut self) -> RawBytes {
        RawBytes
    }
}

/// A unary call of `method` on the RemoteExecutionService with `body` as the message.
pub async fn raw_unary(server: &ServerHandle, method: &str, body: Bytes) -> Result<Bytes, Status> {
    let channel = Channel::from_shared(url(server))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut grpc = tonic::client::Grpc::new(channel).max_encoding_message_size(usize::MAX);
    grpc.ready().await.unwrap();
    let path = format!("/remotemedia.execution.RemoteExecutionService/{method}")
        .parse()
        .unwrap();
    grpc.unary(tonic::Request::new(body), path, RawCodec)
        .await
        .map(|r| r.into_inner())
}
