//! Hostile clients of the cloud tier: values nested 100,000 deep, huge names echoed in
//! errors, calls abandoned at their deadline, streams that never send init, and more
//! connections than one client may hold. Each is answered with a bounded, coded status
//! and the server keeps serving others.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use bytes::Bytes;
use edgemix_cloud::proto::remote_execution_service_client::RemoteExecutionServiceClient;
use edgemix_cloud::proto::{stream_data, ExecuteNodeRequest, StreamData, StreamInit};
use edgemix_cloud::server::{serve, ServerErrorKind, ServerHandle, ServerOptions};
use edgemix_cloud::{CloudErrorCode, Serialization};
use edgemix_runtime::json::MAX_DEPTH;
use serde_json::json;
use support::*;
use tonic::transport::Channel;
use tonic::Code;

const DEEP: usize = 100_000;

fn nested_json(levels: usize) -> String {
    format!("{}{}", "[".repeat(levels), "]".repeat(levels))
}

fn nested_python(levels: usize) -> String {
    format!("{}1{}", "{'a': ".repeat(levels), "}".repeat(levels))
}

async fn raw(server: &ServerHandle) -> RemoteExecutionServiceClient<Channel> {
    RemoteExecutionServiceClient::connect(url(server))
        .await
        .unwrap()
        .max_encoding_message_size(usize::MAX)
}

fn request(node: &str, config: HashMap<String, String>, format: &str, input: Bytes) -> ExecuteNodeRequest {
    ExecuteNodeRequest {
        node_type: node.into(),
        config,
        input_data: input,
        serialization_format: format.into(),
        ..Default::default()
    }
}

/// The server still answers a real call correctly.
async fn still_serving(server: &ServerHandle) {
    let out = execute(
        &client(server),
        "AudioMixer",
        &json!({}),
        Serialization::F32le,
        f32le(&[0.0; 960]),
    )
    .await;
    assert_eq!(samples(&out), vec![0.0; 960]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configs_and_json_input_nested_100000_deep_are_refused_naming_the_limit() {
    let mut server = start().await;
    let mut grpc = raw(&server).await;
    let limit = format!("nested more than {MAX_DEPTH} levels deep");
    for deep in [nested_json(DEEP), nested_python(DEEP), nested_json(MAX_DEPTH + 1)] {
        let config = HashMap::from([("compressor".to_string(), deep)]);
        let status = grpc
            .execute_node(request("AudioMixer", config, "f32le", f32le(&[0.0])))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        assert_mentions(status.message(), &["AudioMixer: parameter \"compressor\"", &limit]);
        still_serving(&server).await;
    }
    // Within the limit the value reaches the node, which judges it.
    let config = HashMap::from([("compressor".to_string(), nested_json(MAX_DEPTH))]);
    let status = grpc
        .execute_node(request("AudioMixer", config, "f32le", f32le(&[0.0])))
        .await
        .unwrap_err();
    assert!(!status.message().contains(&limit), "{}", status.message());

    for input in [nested_json(DEEP), format!("{}1{}", "{\"a\":".repeat(DEEP), "}".repeat(DEEP))] {
        let status = grpc
            .execute_node(request("PassThrough", HashMap::new(), "json", input.into()))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        assert_mentions(status.message(), &["json input", &limit]);
        still_serving(&server).await;
    }

    // A stream's init config, and a frame of a stream.
    let init = StreamData {
        payload: Some(stream_data::Payload::Init(StreamInit {
            node_type: "AudioMixer".into(),
            config: HashMap::from([("eq".to_string(), nested_python(DEEP))]),
            serialization_format: "f32le".into(),
        })),
        error_message: String::new(),
    };
    let mut answers = grpc
        .stream_node(tokio_stream::iter([init]))
        .await
        .unwrap()
        .into_inner();
    let report = answers.message().await.unwrap().unwrap();
    assert_mentions(&report.error_message, &[&limit]);
    assert_eq!(answers.message().await.unwrap_err().code(), Code::InvalidArgument);

    let stream = client(&server).stream("PassThrough", &json!({}), Serialization::Json).unwrap();
    let err = stream.send(nested_json(DEEP).into()).await.unwrap_err();
    assert_eq!(err.code, CloudErrorCode::Rejected, "{err}");
    assert_mentions(&err.message, &[&limit]);
    still_serving(&server).await;
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_echo_at_most_a_few_hundred_characters_of_input() {
    let mut server = start().await;
    let mut grpc = raw(&server).await;
    let huge = "N".repeat(1 << 20);
    let cases = [
        request(&huge, HashMap::new(), "f32le", f32le(&[0.0])),
        request("PassThrough", HashMap::from([(huge.clone(), "1".to_string())]), "f32le", f32le(&[0.0])),
        request("AudioTransform", HashMap::from([("gain_db".to_string(), format!("'{huge}'"))]), "f32le", f32le(&[0.0])),
        request("AudioMixer", HashMap::from([("compressor".to_string(), format!("{{\"{huge}\": 1}}"))]), "f32le", f32le(&[0.0])),
        request("PassThrough", HashMap::new(), &huge, f32le(&[0.0])),
        request("WasmModule", HashMap::from([("module".to_string(), huge.clone())]), "f32le", f32le(&[0.0])),
    ];
    for case in cases {
        let status = grpc.execute_node(case).await.unwrap_err();
        // Not RESOURCE_EXHAUSTED: the reply's header fits.
        assert_eq!(status.code(), Code::InvalidArgument, "{}", &status.message()[..200.min(status.message().len())]);
        assert!(status.message().chars().count() <= 1100, "{} characters", status.message().len());
        assert!(status.message().contains("NNNN"), "{}", status.message());
        assert!(status.message().contains("more characters)"), "{}", status.message());
    }
    still_serving(&server).await;
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_abandoned_at_its_deadline_frees_its_slot_at_once() {
    // One slot: while an abandoned Delay held it, every later call would wait for it.
    let mut server = serve(ServerOptions {
        concurrency: 1,
        ..options()
    })
    .await
    .unwrap();
    let client = client(&server);
    let delay = json!({"delay_ms": 60_000});
    for _ in 0..2 {
        let err = client
            .execute("Delay", &delay, Serialization::Bytes, Bytes::from_static(b"x"), Some(Duration::from_millis(200)))
            .await
            .unwrap_err();
        assert_eq!(err.code, CloudErrorCode::Timeout, "{err}");
    }
    // Cancelled by the client (the call's future dropped, no deadline sent).
    let abandoned = tokio::time::timeout(
        Duration::from_millis(200),
        client.execute("Delay", &delay, Serialization::Bytes, Bytes::from_static(b"x"), None),
    )
    .await;
    assert!(abandoned.is_err(), "the Delay call was still running");
    // Each abandoned Delay would hold the only slot for 60 s; the next call gets it now.
    let out = client
        .execute("AudioMixer", &json!({}), Serialization::F32le, f32le(&[0.0; 960]), Some(Duration::from_secs(20)))
        .await
        .unwrap();
    assert_eq!(samples(&out), vec![0.0; 960]);
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_that_never_sends_init_is_ended() {
    let mut server = serve(ServerOptions {
        stream_init_timeout: Duration::from_millis(300),
        ..options()
    })
    .await
    .unwrap();
    let mut grpc = raw(&server).await;
    let mut answers = grpc
        .stream_node(tokio_stream::pending::<StreamData>())
        .await
        .unwrap()
        .into_inner();
    let report = answers.message().await.unwrap().unwrap();
    assert_mentions(&report.error_message, &["no init message within 300 ms"]);
    assert_eq!(answers.message().await.unwrap_err().code(), Code::DeadlineExceeded);
    still_serving(&server).await;
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_client_address_holds_at_most_its_connections() {
    let mut server = serve(ServerOptions {
        max_connections_per_ip: 2,
        ..options()
    })
    .await
    .unwrap();
    let addr = server.local_addr();
    // Two idle TCP connections take this address's two slots.
    let first = tokio::net::TcpStream::connect(addr).await.unwrap();
    let _second = tokio::net::TcpStream::connect(addr).await.unwrap();
    let refused = client(&server).status().await.unwrap_err();
    assert_eq!(refused.code, CloudErrorCode::Unavailable, "{refused}");
    // A closed connection gives its slot back.
    drop(first);
    let mut attempts = 0;
    let status = loop {
        match client(&server).status().await {
            Ok(status) => break status,
            Err(_) if attempts < 100 => {
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(err) => panic!("the slot was never given back: {err}"),
        }
    };
    assert_eq!(status.status, "healthy");
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_timeout_is_deadline_exceeded() {
    let mut server = start().await;
    let mut grpc = raw(&server).await;
    let config = HashMap::from([
        ("module".to_string(), "spin".to_string()),
        ("timeoutMs".to_string(), "50".to_string()),
    ]);
    let status = grpc
        .execute_node(request("WasmModule", config, "bytes", Bytes::from_static(b"go")))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert_mentions(status.message(), &["50 ms time limit", "ERR_WASM_TIMEOUT"]);
    still_serving(&server).await;
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_or_blank_token_is_refused_at_start() {
    for token in ["", "   ", "\t\n"] {
        let err = serve(ServerOptions {
            auth_token: Some(token.into()),
            ..options()
        })
        .await
        .err()
        .expect("refused");
        assert_eq!(err.kind, ServerErrorKind::InvalidOptions);
        assert_mentions(&err.message, &["auth token is empty or blank"]);
    }
}
