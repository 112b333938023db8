//! The health the server reports is whether it can process a frame now: its self-test
//! puts a frame through the mixer on an execution slot, and grpc.health.v1 for the
//! RemoteExecutionService follows it (readiness), while the server as a whole ("")
//! stays SERVING (liveness).

mod support;

use std::time::{Duration, Instant};

use bytes::Bytes;
use edgemix_cloud::proto::SERVICE_NAME;
use edgemix_cloud::server::{serve, ServerOptions};
use edgemix_cloud::Serialization;
use serde_json::json;
use support::*;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

async fn check(url: &str, service: &str) -> ServingStatus {
    let channel = tonic::transport::Endpoint::from_shared(url.to_owned())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let answer = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: service.into(),
        })
        .await
        .unwrap()
        .into_inner();
    ServingStatus::try_from(answer.status).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_follows_the_self_test_frame_and_liveness_stays() {
    let mut server = serve(ServerOptions {
        concurrency: 1,
        self_test_interval: Some(Duration::from_millis(200)),
        ..options()
    })
    .await
    .unwrap();
    let url = url(&server);
    let status = server.self_test().status();
    assert!(status.ok && status.serving, "the first test passed before serving: {status:?}");
    assert_eq!(check(&url, SERVICE_NAME).await, ServingStatus::Serving);

    // The only execution slot is taken for 3 s: a frame cannot be processed, so the
    // tests time out (1 s budget) and after two of them the service is NOT_SERVING.
    let client = client(&server);
    let busy = tokio::spawn(async move {
        client
            .execute(
                "Delay",
                &json!({ "delay_ms": 3000 }),
                Serialization::Bytes,
                Bytes::from_static(b"x"),
                None,
            )
            .await
    });
    let started = Instant::now();
    while check(&url, SERVICE_NAME).await != ServingStatus::NotServing {
        assert!(started.elapsed() < Duration::from_secs(3), "still SERVING with no free slot");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let status = server.self_test().status();
    assert!(!status.ok && !status.serving, "{status:?}");
    assert!(status.message.contains("no answer within 1000 ms"), "{status:?}");
    assert_eq!(check(&url, "").await, ServingStatus::Serving, "liveness is not readiness");

    // The slot frees: the next test passes and the service serves again.
    assert_eq!(&busy.await.unwrap().unwrap()[..], b"x");
    let freed = Instant::now();
    while check(&url, SERVICE_NAME).await != ServingStatus::Serving {
        assert!(freed.elapsed() < Duration::from_secs(3), "not SERVING again");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(server.self_test().status().ok);
    server.shutdown().await.unwrap();
    assert_eq!(
        check_after_shutdown(&url).await,
        None,
        "a stopped server answers no health check"
    );
}

async fn check_after_shutdown(url: &str) -> Option<ServingStatus> {
    let channel = tonic::transport::Endpoint::from_shared(url.to_owned())
        .unwrap()
        .connect()
        .await
        .ok()?;
    let answer = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: SERVICE_NAME.into(),
        })
        .await
        .ok()?;
    ServingStatus::try_from(answer.into_inner().status).ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_self_tests_the_service_serves_at_once() {
    let mut server = serve(ServerOptions {
        self_test_interval: None,
        ..options()
    })
    .await
    .unwrap();
    assert_eq!(check(&url(&server), SERVICE_NAME).await, ServingStatus::Serving);
    assert_eq!(server.self_test().status().message, "not run yet");
    server.shutdown().await.unwrap();
}
