//! Bad input over the wire: each is answered with the right status and a message saying
//! what is allowed, and the server keeps serving others.

mod support;

use std::time::Duration;

use bytes::Bytes;
use edgemix_cloud::proto::remote_execution_service_client::RemoteExecutionServiceClient;
use edgemix_cloud::proto::{stream_data, StreamData, StreamInit};
use edgemix_cloud::server::{serve, ServerHandle, ServerOptions};
use edgemix_cloud::{CloudErrorCode, Serialization};
use serde_json::json;
use support::*;
use tonic::Code;

/// The server still answers a real call correctly.
async fn still_serving(server: &ServerHandle) {
    let out = client(server)
        .execute(
            "PassThrough",
            &json!({}),
            Serialization::F32le,
            f32le(&[0.125, -0.5]),
            None,
        )
        .await
        .unwrap();
    assert_eq!(samples(&out), [0.125, -0.5]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_protobuf_is_refused() {
    let mut server = start().await;
    // A field header announcing a 100-byte string followed by 3 bytes, then garbage.
    for body in [&[0x0a, 100, 1, 2, 3][..], &[0xff; 16][..], &[0x08][..]] {
        let status = raw_unary(&server, "ExecuteNode", Bytes::copy_from_slice(body))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::Internal, "{status:?}");
        assert!(status.message().contains("decode"), "{}", status.message());
        still_serving(&server).await;
    }
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_node_format_and_parameter_list_what_is_allowed() {
    let mut server = start().await;
    let client = client(&server);
    let err = refusal(
        &client,
        "Reverb",
        &json!({}),
        Serialization::F32le,
        f32le(&[0.0]),
    )
    .await;
    assert_eq!(err.code, CloudErrorCode::Rejected);
    assert_mentions(
        &err.message,
        &["unknown node type \"Reverb\"", "AudioMixer", "PassThrough"],
    );
    assert_mentions(&err.message, &["InvalidArgument"]);

    let mut raw = RemoteExecutionServiceClient::connect(url(&server))
        .await
        .unwrap();
    // A format the server does not know, and JSON text sent as pickle.
    for (format, expect) in [
        ("xml", "unknown serialization format \"xml\"; allowed formats: json, f32le, bytes, pickle"),
        ("pickle", "pickle input: it does not start with PROTO: protocols 0 and 1 are not accepted"),
    ] {
        let request = edgemix_cloud::proto::ExecuteNodeRequest {
            node_type: "PassThrough".into(),
            input_data: Bytes::from_static(b"[1]"),
            serialization_format: format.into(),
            ..Default::default()
        };
        let status = raw.execute_node(request).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert!(status.message().contains(expect), "{}", status.message());
    }
    let err = refusal(
        &client,
        "PassThrough",
        &json!({"gain": 2}),
        Serialization::F32le,
        f32le(&[0.0]),
    )
    .await;
    assert_mentions(
        &err.message,
        &["unknown parameter \"gain\"", "takes no parameters"],
    );
    still_serving(&server).await;
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_serialization_of_the_input_is_refused() {
    let mut server = start().await;
    let client = client(&server);
    let err = refusal(
        &client,
        "AudioMixer",
        &json!({}),
        Serialization::F32le,
        Bytes::from_static(&[0, 0, 0, 0, 1]),
    )
    .await;
    assert_mentions(
        &err.message,
        &["5 bytes is not a whole number of float32 samples"],
    );
    let err = refusal(
        &client,
        "AudioMixer",
        &json!({}),
        Serialization::Json,
        Bytes::from_static(b"[0.1, 0.2"),
    )
    .await;
    assert_mentions(&err.message, &["not valid JSON"]);
    let err = refusal(
        &client,
        "AudioMixer",
        &json!({}),
        Serialization::Json,
        Bytes::from_static(b"{\"text\": 1}"),
    )
    .await;
    assert_mentions(
        &err.message,
        &["AudioMixer takes audio, received JSON data"],
    );
    let err = refusal(
        &client,
        "AudioMixer",
        &json!({}),
        Serialization::Bytes,
        Bytes::from_static(b"abcd"),
    )
    .await;
    assert_mentions(&err.message, &["received bytes"]);
    let err = refusal(
        &client,
        "AudioMixer",
        &json!({}),
        Serialization::Json,
        Bytes::from_static(b"[[0.1, 0.2], [0.3]]"),
    )
    .await;
    assert_mentions(
        &err.message,
        &["channel 1 has 1 samples but channel 0 has 2"],
    );
    let err = refusal(
        &client,
        "MFCC",
        &json!({}),
        Serialization::Json,
        Bytes::from_static(b"{\"audio_data\": [0.1], \"sample_rate\": 16000}"),
    )
    .await;
    assert_mentions(
        &err.message,
        &["16000 Hz differs from the node's sample rate 48000 Hz"],
    );
    assert_eq!(err.code, CloudErrorCode::Rejected);
    still_serving(&server).await;
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nan_and_infinity_in_audio_are_refused() {
    let mut server = start().await;
    let client = client(&server);
    let err = refusal(
        &client,
        "AudioMixer",
        &json!({}),
        Serialization::F32le,
        f32le(&[0.0, 0.1, f32::NAN]),
    )
    .await;
    assert_eq!(err.code, CloudErrorCode::Rejected);
    assert_mentions(&err.message, &["audio sample 2 is NaN"]);
    let err = refusal(
        &client,
        "PassThrough",
        &json!({}),
        Serialization::F32le,
        f32le(&[f32::NEG_INFINITY]),
    )
    .await;
    assert_mentions(&err.message, &["audio sample 0 is -Infinity"]);
    // Python's json.dumps writes NaN as a bare token.
    let err = refusal(
        &client,
        "AudioMixer",
        &json!({}),
        Serialization::Json,
        Bytes::from_static(b"[0.5, NaN]"),
    )
    .await;
    assert_mentions(&err.message, &["NaN or Infinity", "finite"]);
    let err = refusal(
        &client,
        "AudioMixer",
        &json!({}),
        Serialization::Json,
        Bytes::from_static(b"[1e39]"),
    )
    .await;
    assert!(
        err.message.contains("Infinity"),
        "beyond float32: {}",
        err.message
    );
    still_serving(&server).await;
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversize_messages_are_refused() {
    let mut server = serve(ServerOptions {
        max_message_bytes: 64 * 1024,
        ..options()
    })
    .await
    .unwrap();
    let client = client(&server);
    let big = vec![0.1f32; 32 * 1024]; // 128 KiB
    let err = refusal(
        &client,
        "PassThrough",
        &json!({}),
        Serialization::F32le,
        f32le(&big),
    )
    .await;
    assert_eq!(err.code, CloudErrorCode::Rejected, "{err}");
    assert!(
        err.message.contains("ResourceExhausted") || err.message.contains("OutOfRange"),
        "{}",
        err.message
    );
    // An output that would be too large (1 input frame → 8 channels) is refused as well.
    let wide = vec![0.1f32; 4 * 1024]; // 16 KiB in, 128 KiB out
    let err = refusal(
        &client,
        "AudioTransform",
        &json!({"output_channels": 8}),
        Serialization::F32le,
        f32le(&wide),
    )
    .await;
    assert!(
        matches!(
            err.code,
            CloudErrorCode::Rejected | CloudErrorCode::Internal
        ),
        "{err}"
    );
    still_serving(&server).await;
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_without_init_is_refused_with_error_message_and_status() {
    let mut server = start().await;
    let mut raw = RemoteExecutionServiceClient::connect(url(&server))
        .await
        .unwrap();
    let first = StreamData {
        payload: Some(stream_data::Payload::Data(f32le(&[0.1]))),
        error_message: String::new(),
    };
    let mut answers = raw
        .stream_node(tokio_stream::iter(vec![first]))
        .await
        .unwrap()
        .into_inner();
    let report = answers.message().await.unwrap().unwrap();
    assert!(
        report
            .error_message
            .contains("the first message must set init"),
        "{}",
        report.error_message
    );
    let status = answers.message().await.unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);

    // Init twice, and a bad node in init.
    let init = |node: &str| StreamData {
        payload: Some(stream_data::Payload::Init(StreamInit {
            node_type: node.into(),
            config: Default::default(),
            serialization_format: "f32le".into(),
        })),
        error_message: String::new(),
    };
    let mut answers = raw
        .stream_node(tokio_stream::iter(vec![
            init("PassThrough"),
            init("PassThrough"),
        ]))
        .await
        .unwrap()
        .into_inner();
    assert!(answers
        .message()
        .await
        .unwrap()
        .unwrap()
        .error_message
        .contains("init may only be sent once"));
    let mut answers = raw
        .stream_node(tokio_stream::iter(vec![init("Nope")]))
        .await
        .unwrap()
        .into_inner();
    assert!(answers
        .message()
        .await
        .unwrap()
        .unwrap()
        .error_message
        .contains("unknown node type"));
    assert_eq!(
        answers.message().await.unwrap_err().code(),
        Code::InvalidArgument
    );
    still_serving(&server).await;
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_frame_ends_the_stream_with_its_error_in_order() {
    let mut server = start().await;
    let client = client(&server);
    let stream = client
        .stream("AudioMixer", &json!({}), Serialization::F32le)
        .unwrap();
    let good = stream.send(f32le(&[0.1; 960]));
    let bad = stream.send(f32le(&[f32::NAN; 4]));
    let after = stream.send(f32le(&[0.1; 960]));
    assert_eq!(samples(&good.await.unwrap()).len(), 960);
    let err = bad.await.unwrap_err();
    assert_eq!(err.code, CloudErrorCode::Rejected);
    assert_mentions(&err.message, &["audio sample 0 is NaN"]);
    assert_eq!(
        after.await.unwrap_err().code,
        CloudErrorCode::Rejected,
        "frames after the error fail too"
    );
    still_serving(&server).await;
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_cancelling_mid_stream_frees_the_session() {
    let mut server = start().await;
    let client = client(&server);
    let stream = client
        .stream("AudioMixer", &json!({}), Serialization::F32le)
        .unwrap();
    for _ in 0..3 {
        stream.send(f32le(&[0.2; 960])).await.unwrap();
    }
    assert_eq!(client.status().await.unwrap().active_sessions, 1);
    drop(stream);
    let mut sessions = 1;
    for _ in 0..50 {
        sessions = client.status().await.unwrap().active_sessions;
        if sessions == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(sessions, 0, "the cancelled stream's session is gone");
    still_serving(&server).await;
    server.shutdown().await.unwrap();
}
