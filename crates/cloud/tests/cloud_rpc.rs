//! The RemoteExecutionService RPCs over a real tonic server on 127.0.0.1: GetStatus,
//! ListNodes, the unimplemented methods, health, auth, deadlines, balancing, lazy
//! connection and graceful shutdown.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use edgemix_cloud::server::serve;
use edgemix_cloud::{ClientOptions, CloudClient, CloudErrorCode, Serialization};
use edgemix_cloud::nodes::{BuiltinOptions, NodeRegistry};
use serde_json::json;
use support::*;
use tonic::Code;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_status_reports_health_version_and_counters() {
    let mut server = start().await;
    let client = client(&server);
    let before = client.status().await.unwrap();
    assert_eq!(before.status, "healthy");
    assert_eq!(
        before.version,
        format!("edgemix {}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(before.total_requests, 0);
    execute(
        &client,
        "PassThrough",
        &json!({}),
        Serialization::F32le,
        f32le(&[0.5]),
    )
    .await;
    let err = refusal(
        &client,
        "PassThrough",
        &json!({}),
        Serialization::F32le,
        f32le(&[f32::NAN]),
    )
    .await;
    assert_eq!(err.code, CloudErrorCode::Rejected);
    let after = client.status().await.unwrap();
    assert_eq!(
        (
            after.total_requests,
            after.successful_requests,
            after.failed_requests
        ),
        (2, 1, 1)
    );
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_nodes_describes_every_node_and_its_parameters() {
    let mut server = start().await;
    let client = client(&server);
    let nodes = client.list_nodes("").await.unwrap();
    let names: Vec<&str> = nodes.iter().map(|n| n.node_type.as_str()).collect();
    for expected in [
        "AudioMixer",
        "AudioResampler",
        "AudioTransform",
        "Delay",
        "GenreClassifier",
        "MFCC",
        "PassThrough",
        "WasmModule",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    let mixer = nodes.iter().find(|n| n.node_type == "AudioMixer").unwrap();
    assert_eq!(mixer.category, "audio");
    let rate = mixer
        .parameters
        .iter()
        .find(|p| p.name == "sampleRate")
        .unwrap();
    assert_eq!(
        (rate.kind.as_str(), rate.default_value.as_str()),
        ("number", "48000")
    );
    assert!(
        rate.description.contains("8000 to 192000 Hz"),
        "{}",
        rate.description
    );
    let compressor = mixer
        .parameters
        .iter()
        .find(|p| p.name == "compressor")
        .unwrap();
    let default: serde_json::Value = serde_json::from_str(&compressor.default_value).unwrap();
    assert_eq!(default["ratio"], json!(3.0));
    // Every key of the stage, with its unit and range.
    for key in default.as_object().unwrap().keys() {
        assert!(
            compressor.description.contains(&format!("{key} (")),
            "{key} missing from {}",
            compressor.description
        );
    }
    for listed in [
        "ratio (1 to 100)",
        "attackMs (0 to 500 ms)",
        "bypass (true or false)",
    ] {
        assert!(
            compressor.description.contains(listed),
            "{listed} missing from {}",
            compressor.description
        );
    }
    let wasm = nodes.iter().find(|n| n.node_type == "WasmModule").unwrap();
    assert!(wasm
        .parameters
        .iter()
        .any(|p| p.name == "module" && p.required));
    for node in &nodes {
        assert!(!node.description.is_empty());
        for p in &node.parameters {
            assert!(
                p.description.contains("Allowed:"),
                "{}.{} lacks its allowed values",
                node.node_type,
                p.name
            );
        }
    }
    let analysis = client.list_nodes("analysis").await.unwrap();
    assert_eq!(
        analysis
            .iter()
            .map(|n| n.node_type.as_str())
            .collect::<Vec<_>>(),
        ["GenreClassifier", "MFCC"]
    );
    server.shutdown().await.unwrap();

    // Without test nodes there is no Delay.
    let mut plain = serve(edgemix_cloud::server::ServerOptions {
        registry: Arc::new(NodeRegistry::builtin(BuiltinOptions::default())),
        ..options()
    })
    .await
    .unwrap();
    let names: Vec<String> = client_for(vec![url(&plain)])
        .list_nodes("")
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.node_type)
        .collect();
    assert!(!names.contains(&"Delay".to_string()));
    plain.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_methods_answer_unimplemented_naming_the_method() {
    let mut server = start().await;
    for method in [
        "ExecuteCustomTask",
        "StreamObject",
        "RegisterPipeline",
        "ListStoredNodes",
    ] {
        let status = raw_unary(&server, method, Bytes::new()).await.unwrap_err();
        assert_eq!(status.code(), Code::Unimplemented, "{method}");
        assert!(status.message().contains(method), "{}", status.message());
        assert!(
            status
                .message()
                .contains("ExecuteNode, StreamNode, GetStatus, ListNodes"),
            "{}",
            status.message()
        );
    }
    // The server keeps serving.
    assert_eq!(client(&server).status().await.unwrap().status, "healthy");
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_grpc_health() {
    use tonic_health::pb::health_client::HealthClient;
    use tonic_health::pb::HealthCheckRequest;
    let mut server = start().await;
    let channel = tonic::transport::Channel::from_shared(url(&server))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut health = HealthClient::new(channel);
    for service in ["", "remotemedia.execution.RemoteExecutionService"] {
        let answer = health
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(answer.status, 1, "SERVING for {service:?}");
    }
    let unknown = health
        .check(HealthCheckRequest {
            service: "nope".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bearer_token_is_required_when_configured() {
    let mut server = serve(edgemix_cloud::server::ServerOptions {
        auth_token: Some("s3cret".into()),
        ..options()
    })
    .await
    .unwrap();
    let anonymous = client(&server);
    let err = anonymous.status().await.unwrap_err();
    assert_eq!(err.code, CloudErrorCode::Unauthenticated, "{err}");
    let wrong = CloudClient::new(ClientOptions {
        endpoints: vec![url(&server)],
        token: Some("guess".into()),
        ..ClientOptions::default()
    })
    .unwrap();
    assert_eq!(
        wrong.list_nodes("").await.unwrap_err().code,
        CloudErrorCode::Unauthenticated
    );
    let right = CloudClient::new(ClientOptions {
        endpoints: vec![url(&server)],
        token: Some("s3cret".into()),
        ..ClientOptions::default()
    })
    .unwrap();
    assert_eq!(right.status().await.unwrap().status, "healthy");
    let out = execute(
        &right,
        "PassThrough",
        &json!({}),
        Serialization::Bytes,
        Bytes::from_static(b"hi"),
    )
    .await;
    assert_eq!(&out[..], b"hi");
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadlines_end_slow_calls_and_the_server_keeps_serving() {
    let mut server = start().await;
    let client = client(&server);
    let started = Instant::now();
    let err = client
        .execute(
            "Delay",
            &json!({"delay_ms": 2000}),
            Serialization::Bytes,
            Bytes::from_static(b"x"),
            Some(Duration::from_millis(100)),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, CloudErrorCode::Timeout, "{err}");
    assert!(
        started.elapsed() < Duration::from_millis(1000),
        "answered after {:?}",
        started.elapsed()
    );
    let fast = client
        .execute(
            "Delay",
            &json!({"delay_ms": 5}),
            Serialization::Bytes,
            Bytes::from_static(b"y"),
            Some(Duration::from_secs(2)),
        )
        .await
        .unwrap();
    assert_eq!(&fast[..], b"y");

    // The Python client's deadline travels in options.timeout_seconds, without grpc-timeout.
    use edgemix_cloud::proto::remote_execution_service_client::RemoteExecutionServiceClient;
    use edgemix_cloud::proto::{ExecuteNodeRequest, ExecutionOptions};
    let mut raw = RemoteExecutionServiceClient::connect(url(&server))
        .await
        .unwrap();
    let request = ExecuteNodeRequest {
        node_type: "Delay".into(),
        config: [("delay_ms".to_string(), "3000".to_string())].into(),
        input_data: Bytes::from_static(b"[1.0]"),
        serialization_format: "json".into(),
        options: Some(ExecutionOptions {
            timeout_seconds: 1,
            ..Default::default()
        }),
    };
    let started = Instant::now();
    let status = raw.execute_node(request).await.unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert!(started.elapsed() < Duration::from_millis(2500));
    server.shutdown().await.unwrap();
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_made_while_the_cloud_is_down_works_once_it_is_up() {
    let port = free_port();
    let client = CloudClient::new(ClientOptions {
        endpoints: vec![format!("127.0.0.1:{port}")],
        timeout: Duration::from_millis(400),
        ..ClientOptions::default()
    })
    .unwrap();
    let err = refusal(
        &client,
        "PassThrough",
        &json!({}),
        Serialization::Bytes,
        Bytes::from_static(b"a"),
    )
    .await;
    assert_eq!(err.code, CloudErrorCode::Unavailable, "{err}");
    let err = client.status().await.unwrap_err();
    assert!(
        matches!(
            err.code,
            CloudErrorCode::Unavailable | CloudErrorCode::Timeout
        ),
        "{err}"
    );

    let mut server = serve(edgemix_cloud::server::ServerOptions {
        addr: format!("127.0.0.1:{port}").parse().unwrap(),
        ..options()
    })
    .await
    .unwrap();
    // The channel reconnects with backoff; the idempotent call retries until it is up.
    let mut answer = None;
    for _ in 0..20 {
        if let Ok(out) = client
            .execute(
                "PassThrough",
                &json!({}),
                Serialization::Bytes,
                Bytes::from_static(b"up"),
                None,
            )
            .await
        {
            answer = Some(out);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(answer.as_deref(), Some(&b"up"[..]));
    assert_eq!(client.status().await.unwrap().status, "healthy");
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn balances_over_several_endpoints_and_survives_one_down() {
    let mut a = start().await;
    let mut b = start().await;
    let down = format!("http://127.0.0.1:{}", free_port());
    let client = client_for(vec![url(&a), url(&b), down]);
    for i in 0..40u8 {
        let out = execute(
            &client,
            "PassThrough",
            &json!({}),
            Serialization::Bytes,
            Bytes::from(vec![i]),
        )
        .await;
        assert_eq!(&out[..], &[i]);
    }
    let served_a = client_for(vec![url(&a)])
        .status()
        .await
        .unwrap()
        .total_requests;
    let served_b = client_for(vec![url(&b)])
        .status()
        .await
        .unwrap()
        .total_requests;
    assert_eq!(served_a + served_b, 40);
    assert!(
        served_a > 0 && served_b > 0,
        "a served {served_a}, b served {served_b}"
    );
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_drains_a_stream_in_progress_then_refuses_new_calls() {
    let mut server = start().await;
    let addr = url(&server);
    let client = client(&server);
    let stream = client
        .stream("PassThrough", &json!({}), Serialization::F32le)
        .unwrap();
    assert_eq!(samples(&stream.send(f32le(&[0.25])).await.unwrap()), [0.25]);
    let stopping = tokio::spawn(async move {
        server.shutdown().await.unwrap();
        Instant::now()
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    // The stream still works while the server drains.
    assert_eq!(samples(&stream.send(f32le(&[0.5])).await.unwrap()), [0.5]);
    let finished = Instant::now();
    assert_eq!(stream.finish().await.unwrap(), None);
    let stopped = stopping.await.unwrap();
    assert!(
        stopped >= finished,
        "the server stopped before the stream finished"
    );
    let err = client_for(vec![addr])
        .execute(
            "PassThrough",
            &json!({}),
            Serialization::Bytes,
            Bytes::from_static(b"z"),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, CloudErrorCode::Unavailable, "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_after_the_server_closed_is_unavailable_even_on_a_warm_connection() {
    for _ in 0..30 {
        let mut server = start().await;
        let client = CloudClient::new(ClientOptions {
            endpoints: vec![url(&server)],
            retries: 0,
            timeout: Duration::from_secs(2),
            ..ClientOptions::default()
        })
        .unwrap();
        assert_eq!(client.status().await.unwrap().status, "healthy");
        server.shutdown().await.unwrap();
        let err = client.status().await.unwrap_err();
        assert_eq!(err.code, CloudErrorCode::Unavailable, "{err}");
        let err = refusal(
            &client,
            "PassThrough",
            &json!({}),
            Serialization::Bytes,
            Bytes::from_static(b"x"),
        )
        .await;
        assert_eq!(err.code, CloudErrorCode::Unavailable, "{err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_still_open_after_the_grace_period_are_closed() {
    let mut server = serve(edgemix_cloud::server::ServerOptions {
        shutdown_grace: Duration::from_millis(300),
        ..options()
    })
    .await
    .unwrap();
    let client = client(&server);
    // A stream that outlives the grace period, and a call that would take a minute.
    let stream = client
        .stream("PassThrough", &json!({}), Serialization::F32le)
        .unwrap();
    assert_eq!(samples(&stream.send(f32le(&[0.25])).await.unwrap()), [0.25]);
    let slow = {
        let client = support::client(&server);
        tokio::spawn(async move {
            client
                .execute(
                    "Delay",
                    &json!({"delay_ms": 60_000}),
                    Serialization::Bytes,
                    Bytes::from_static(b"x"),
                    None,
                )
                .await
        })
    };
    server.shutdown().await.unwrap();
    // Once shutdown has returned, neither the open stream nor the call in flight on the
    // same connection gets an answer.
    stream.send(f32le(&[0.5])).await.unwrap_err();
    let err = slow.await.unwrap().unwrap_err();
    assert_eq!(err.code, CloudErrorCode::Unavailable, "{err}");
}
