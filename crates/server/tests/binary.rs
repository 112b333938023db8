//! The `edgemix-server` binary as operators run it: flags, the port it prints, and a
//! SIGTERM that drains a stream in progress before exiting.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use bytes::Bytes;
use edgemix_cloud::{ClientOptions, CloudClient, Serialization};
use serde_json::json;
use support::{f32le, Server};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_a_stream_in_progress_then_exits_cleanly() {
    let mut server = Server::start(&[
        "--shutdown-grace-secs",
        "10",
        "--enable-test-nodes",
        "--log-json",
    ]);
    let addr = server.addr.clone();
    let client = CloudClient::new(ClientOptions {
        endpoints: vec![format!("http://{addr}")],
        ..ClientOptions::default()
    })
    .unwrap();
    let nodes: Vec<String> = client
        .list_nodes("")
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.node_type)
        .collect();
    assert!(
        nodes.contains(&"Delay".to_string()),
        "--enable-test-nodes offers Delay: {nodes:?}"
    );
    let stream = client
        .stream("PassThrough", &json!({}), Serialization::F32le)
        .unwrap();
    assert_eq!(stream.send(f32le(&[0.5])).await.unwrap(), f32le(&[0.5]));

    server.signal("TERM");
    let child = &mut server.child;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "the server waits for the open stream"
    );
    assert_eq!(
        stream.send(f32le(&[0.25])).await.unwrap(),
        f32le(&[0.25]),
        "the stream keeps working while draining"
    );
    assert_eq!(stream.finish().await.unwrap(), None);

    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the server did not exit after the stream ended"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
    let mut logs = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut logs).unwrap();
    assert!(
        logs.contains("SIGTERM received") && logs.contains("\"level\":\"INFO\""),
        "structured logs: {logs}"
    );
    let err = client
        .execute(
            "PassThrough",
            &json!({}),
            Serialization::Bytes,
            Bytes::from_static(b"x"),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.code,
        edgemix_cloud::CloudErrorCode::Unavailable
    );
}

#[test]
fn bad_flags_are_refused_with_what_is_allowed() {
    for (args, expect) in [
        (&["--max-message-mb", "0"][..], "0 is not in 1..=1024"),
        (&["--tls-cert", "c.pem"][..], "--tls-key"),
        (
            &["--modules-dir", "/no/such/dir"][..],
            "modules directory /no/such/dir does not exist",
        ),
        // An empty token would accept any "Bearer " header: refused, never "no auth".
        (&["--auth-token", ""][..], "the auth token is empty or blank"),
        (&["--auth-token", " \t "][..], "the auth token is empty or blank"),
        (&["--max-connections-per-ip", "0"][..], "0 is not in 1..=65536"),
        (&["--stream-init-timeout-ms", "0"][..], "0 is not in 1..=3600000"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_edgemix-server"))
            .args(["--host", "127.0.0.1", "--port", "0"])
            .args(args)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expect), "{args:?}: {stderr}");
    }
}
