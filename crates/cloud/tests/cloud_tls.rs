//! TLS: the server with a certificate (tests/fixtures/tls, made by generate.sh) and the
//! client trusting it; a plaintext client is refused.

mod support;

use bytes::Bytes;
use edgemix_cloud::server::{serve, ServerOptions, TlsIdentity};
use edgemix_cloud::{
    ClientOptions, ClientTls, CloudClient, CloudErrorCode, Serialization,
};
use serde_json::json;
use std::time::Duration;
use support::*;

const CERT: &[u8] = include_bytes!("fixtures/tls/server.pem");
const KEY: &[u8] = include_bytes!("fixtures/tls/server.key");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_tls_to_a_client_that_trusts_the_certificate() {
    let mut server = serve(ServerOptions {
        tls: Some(TlsIdentity {
            cert_pem: CERT.to_vec(),
            key_pem: KEY.to_vec(),
        }),
        ..options()
    })
    .await
    .unwrap();
    let port = server.local_addr().port();
    let client = CloudClient::new(ClientOptions {
        endpoints: vec![format!("https://localhost:{port}")],
        tls: Some(ClientTls {
            ca_pem: Some(CERT.to_vec()),
            domain: None,
        }),
        ..ClientOptions::default()
    })
    .unwrap();
    let out = client
        .execute(
            "PassThrough",
            &json!({}),
            Serialization::Bytes,
            Bytes::from_static(b"secret"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(&out[..], b"secret");

    let plain = CloudClient::new(ClientOptions {
        endpoints: vec![format!("http://127.0.0.1:{port}")],
        timeout: Duration::from_secs(2),
        retries: 0,
        ..ClientOptions::default()
    })
    .unwrap();
    let err = plain.status().await.unwrap_err();
    assert!(
        matches!(
            err.code,
            CloudErrorCode::Unavailable | CloudErrorCode::Internal | CloudErrorCode::Timeout
        ),
        "{err}"
    );

    let err = CloudClient::new(ClientOptions {
        endpoints: vec![format!("https://localhost:{port}")],
        ..ClientOptions::default()
    })
    .err()
    .unwrap();
    assert!(err.message.contains("give the CA certificate"), "{err}");
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_key_is_refused_at_start() {
    let err = serve(ServerOptions {
        tls: Some(TlsIdentity {
            cert_pem: CERT.to_vec(),
            key_pem: b"not a key".to_vec(),
        }),
        ..options()
    })
    .await
    .err()
    .unwrap();
    assert!(err.message.contains("TLS"), "{err}");
    assert_eq!(err.kind, edgemix_cloud::server::ServerErrorKind::InvalidOptions);
}
