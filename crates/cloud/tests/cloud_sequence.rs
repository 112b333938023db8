//! The server numbers and names its answers (execution.proto's extensions), so that a
//! client can refuse a stray, repeated or misrouted one: StreamNode answers carry the
//! 1-based number of the data message they answer and the node type, the flushed tail
//! one past the last; ExecuteNode names its node in the `edgemix-node-type` header.

mod support;

use edgemix_cloud::proto::remote_execution_service_client::RemoteExecutionServiceClient;
use edgemix_cloud::proto::{
    stream_data, ExecuteNodeRequest, StreamData, StreamInit, NODE_TYPE_HEADER,
};
use support::*;

fn data(samples: &[f32]) -> StreamData {
    StreamData {
        payload: Some(stream_data::Payload::Data(f32le(samples))),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_answers_are_numbered_and_named_and_the_tail_is_one_past_the_last() {
    let mut server = start().await;
    let mut raw = RemoteExecutionServiceClient::connect(url(&server))
        .await
        .unwrap();
    let init = StreamData {
        payload: Some(stream_data::Payload::Init(StreamInit {
            node_type: "AudioMixer".into(),
            config: Default::default(),
            serialization_format: "f32le".into(),
        })),
        ..Default::default()
    };
    let frames = (0..3).map(|k| data(&program(960, k)));
    let mut answers = raw
        .stream_node(tokio_stream::iter(std::iter::once(init).chain(frames)))
        .await
        .unwrap()
        .into_inner();
    let mut seen = Vec::new();
    while let Some(answer) = answers.message().await.unwrap() {
        assert_eq!(answer.node_type, "AudioMixer");
        assert!(answer.error_message.is_empty(), "{}", answer.error_message);
        seen.push(answer.sequence);
    }
    // Three frames, then the limiter's lookahead tail.
    assert_eq!(seen, [1, 2, 3, 4]);
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn execute_node_names_the_node_that_answered() {
    let mut server = start().await;
    let mut raw = RemoteExecutionServiceClient::connect(url(&server))
        .await
        .unwrap();
    let response = raw
        .execute_node(ExecuteNodeRequest {
            node_type: "PassThrough".into(),
            input_data: f32le(&[0.25]),
            serialization_format: "f32le".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        response.metadata().get(NODE_TYPE_HEADER).unwrap(),
        "PassThrough"
    );
    assert_eq!(samples(&response.into_inner().output_data), [0.25]);
    server.shutdown().await.unwrap();
}
