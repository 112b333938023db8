//! Client-side balancing over real servers on loopback: the share each replica gets,
//! least outstanding requests, a replica leaving rotation when it drains and coming back
//! when it serves again, and `dns:///` names resolved again as their addresses change.
//! Server-side counts come from each server's own GetStatus, asked by a client of that
//! server alone.

mod support;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use edgemix_cloud::server::{serve, ServerHandle};
use edgemix_cloud::{ClientOptions, CloudClient, Resolver, Serialization};
use serde_json::json;
use support::*;

/// Requests and open sessions a server counted, asked of it alone.
async fn served(server: &ServerHandle) -> (i64, i32) {
    let state = client(server).status().await.unwrap();
    (state.total_requests, state.active_sessions)
}

async fn start_at(addr: SocketAddr) -> ServerHandle {
    serve(options_at(addr))
        .await
        .expect("the test server starts")
}

/// Waits (up to 10 s) until `check` holds for the client's view of its replicas.
async fn until(client: &CloudClient, what: &str, check: impl Fn(&CloudClient) -> bool) -> Duration {
    let started = Instant::now();
    while !check(client) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{what}: replicas {:?}",
            client.replicas()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    started.elapsed()
}

fn serving(client: &CloudClient, address: &str) -> bool {
    client
        .replicas()
        .iter()
        .any(|r| r.address == address && r.serving)
}

async fn pass(client: &CloudClient, i: u32) {
    let out = execute(
        client,
        "PassThrough",
        &json!({}),
        Serialization::Bytes,
        Bytes::from(i.to_le_bytes().to_vec()),
    )
    .await;
    assert_eq!(&out[..], &i.to_le_bytes(), "call {i} answered its own input");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sequential_calls_are_shared_evenly() {
    let mut servers = vec![start().await, start().await, start().await];
    let client = client_for(servers.iter().map(url).collect());
    for i in 0..300 {
        pass(&client, i).await;
    }
    // Idle replicas are taken in turn: 100 each. Tolerance ±5 % (95..=105) so that the
    // test states fairness rather than the exact rotation.
    for server in &servers {
        let (requests, _) = served(server).await;
        assert!((95..=105).contains(&requests), "{requests} of 300 calls");
    }
    for server in &mut servers {
        server.shutdown().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_streams_count_as_outstanding_so_new_ones_go_to_the_least_busy() {
    let mut servers = vec![start().await, start().await, start().await];
    let client = client_for(servers.iter().map(url).collect());
    // 30 streams, each opened (its first frame answered) before the next.
    let mut streams = Vec::new();
    for i in 0..30 {
        let stream = client
            .stream("PassThrough", &json!({}), Serialization::F32le)
            .unwrap();
        let x = i as f32 / 64.0;
        assert_eq!(samples(&stream.send(f32le(&[x])).await.unwrap()), [x]);
        streams.push(stream);
    }
    for server in &servers {
        assert_eq!(served(server).await.1, 10, "open sessions on each replica");
    }
    // Ten streams end (spread over the replicas unevenly); ten new ones fill the gaps:
    // each goes to the replica with the fewest open.
    for stream in streams.drain(..10) {
        stream.finish().await.unwrap();
    }
    let mut sessions = Vec::new();
    for server in &servers {
        sessions.push(served(server).await.1);
    }
    assert_eq!(sessions.iter().sum::<i32>(), 20, "{sessions:?}");
    for _ in 0..10 {
        let stream = client
            .stream("PassThrough", &json!({}), Serialization::F32le)
            .unwrap();
        stream.send(f32le(&[0.5])).await.unwrap();
        streams.push(stream);
    }
    for server in &servers {
        assert_eq!(served(server).await.1, 10, "after {sessions:?} and ten new streams");
    }
    drop(streams);
    for server in &mut servers {
        server.shutdown().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draining_replica_leaves_rotation_and_returns_when_it_serves_again() {
    let mut servers = vec![start().await, start().await, start().await];
    let addresses: Vec<String> = servers.iter().map(url).collect();
    let client = client_for(addresses.clone());
    for i in 0..30 {
        pass(&client, i).await;
    }
    let address = servers[1].local_addr();
    servers[1].shutdown().await.unwrap();
    until(&client, "the stopped replica leaves rotation", |c| {
        !serving(c, &addresses[1])
    })
    .await;
    // Every call succeeds, on the two others.
    let before = [served(&servers[0]).await.0, served(&servers[2]).await.0];
    for i in 0..60 {
        pass(&client, i).await;
    }
    let after = [served(&servers[0]).await.0, served(&servers[2]).await.0];
    assert_eq!(after[0] - before[0] + after[1] - before[1], 60);
    assert!((27..=33).contains(&(after[0] - before[0])), "{before:?} → {after:?}");

    // The same address serves again: back in rotation once its health says SERVING.
    servers[1] = start_at(address).await;
    let recovered = until(&client, "the replica returns", |c| serving(c, &addresses[1])).await;
    eprintln!("replica back in rotation {} ms after it restarted", recovered.as_millis());
    for i in 0..90 {
        pass(&client, i).await;
    }
    let (requests, _) = served(&servers[1]).await;
    assert!((27..=33).contains(&requests), "the restarted replica served {requests} of 90");
    for server in &mut servers {
        server.shutdown().await.unwrap();
    }
}

/// A resolver whose answer the test changes, standing for DNS records that change (no
/// /etc/hosts edits, no DNS server): the client's own re-resolution is what is tested.
fn changing(addresses: Arc<Mutex<Vec<SocketAddr>>>) -> Resolver {
    Resolver::new(move |host, port| {
        assert_eq!((host, port), ("edgemix-headless.test", 7000));
        let now = addresses.lock().unwrap().clone();
        Box::pin(async move { Ok(now) })
    })
}

/// Three servers on 127.0.0.1, 127.0.0.2 and 127.0.0.3, on one port as a headless
/// Service's pods would be.
async fn three_loopback_replicas() -> Vec<ServerHandle> {
    loop {
        let first = start_at("127.0.0.1:0".parse().unwrap()).await;
        let port = first.local_addr().port();
        let mut servers = vec![first];
        for ip in ["127.0.0.2", "127.0.0.3"] {
            match serve(options_at(format!("{ip}:{port}").parse().unwrap())).await {
                Ok(server) => servers.push(server),
                Err(_) => break, // the port is taken there: try another
            }
        }
        if servers.len() == 3 {
            return servers;
        }
        for server in &mut servers {
            server.shutdown().await.unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dns_name_is_every_address_it_resolves_to_and_is_resolved_again() {
    let mut servers = three_loopback_replicas().await;
    let addrs: Vec<SocketAddr> = servers.iter().map(|s| s.local_addr()).collect();
    let records = Arc::new(Mutex::new(vec![addrs[0]]));
    let client = CloudClient::new(ClientOptions {
        endpoints: vec!["dns:///edgemix-headless.test:7000".into()],
        resolver: changing(Arc::clone(&records)),
        resolve_interval: Duration::from_secs(1),
        timeout: Duration::from_secs(10),
        ..ClientOptions::default()
    })
    .unwrap();
    for i in 0..10 {
        pass(&client, i).await;
    }
    assert_eq!(served(&servers[0]).await.0, 10, "one address, one replica");
    let on_first = client
        .stream("PassThrough", &json!({}), Serialization::F32le)
        .unwrap();
    on_first.send(f32le(&[0.25])).await.unwrap();

    // Scale-out: two more addresses appear in the records.
    *records.lock().unwrap() = addrs.clone();
    let took = until(&client, "the new addresses become replicas", |c| c.replicas().len() == 3).await;
    eprintln!("new addresses followed within {} ms", took.as_millis());
    for i in 0..90 {
        pass(&client, i).await;
    }
    // The first replica holds the open stream (one outstanding), so sequential calls
    // go to the two idle new ones in turn: 45 each (±5).
    for server in &servers[1..] {
        let (requests, _) = served(server).await;
        assert!((40..=50).contains(&requests), "a new replica served {requests} of 90");
    }

    // Scale-in: the first address leaves the records; no new call goes there, and the
    // stream already open on it goes on.
    *records.lock().unwrap() = addrs[1..].to_vec();
    until(&client, "the removed address leaves", |c| c.replicas().len() == 2).await;
    let first_before = served(&servers[0]).await.0;
    for i in 0..30 {
        pass(&client, i).await;
    }
    assert_eq!(
        samples(&on_first.send(f32le(&[0.5])).await.unwrap()),
        [0.5],
        "the stream on the removed replica goes on"
    );
    assert_eq!(
        served(&servers[0]).await.0 - first_before,
        1,
        "only the open stream's frame reached the removed replica"
    );
    assert!(client
        .replicas()
        .iter()
        .all(|r| !r.address.contains(&addrs[0].to_string())));
    on_first.finish().await.unwrap();
    for server in &mut servers {
        server.shutdown().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dns_name_through_the_system_resolver() {
    let mut server = start().await;
    let client = client_for(vec![format!("dns:///localhost:{}", server.local_addr().port())]);
    pass(&client, 7).await;
    let replicas = client.replicas();
    assert!(
        replicas
            .iter()
            .any(|r| r.address == format!("http://{}", server.local_addr())),
        "localhost resolved to the server's address among {replicas:?}"
    );
    server.shutdown().await.unwrap();
}
