//! A stream over two real `edgemix-server` processes: its replica is killed (SIGKILL)
//! with frames in flight; the stream moves to the other one and every frame is answered
//! once, in order, exactly as a native mixer that starts over at the move would answer
//! it. The killed replica, restarted on its port, comes back into rotation.

mod support;

use std::time::{Duration, Instant};

use edgemix_dsp::{ChainConfig, MixerChain};
use edgemix_cloud::{ClientOptions, CloudClient, Serialization};
use serde_json::json;
use support::{f32le, samples, Server};

const FRAME: usize = 960;

/// Frame `index` of the test signal: a tone whose pitch and level name the frame, so a
/// lost, repeated or swapped frame changes the output.
fn frame(index: usize) -> Vec<f32> {
    let hz = 200.0 + 10.0 * index as f32;
    let level = 0.1 + 0.8 * ((index * 7) % 10) as f32 / 10.0;
    (0..FRAME)
        .map(|i| level * (std::f32::consts::TAU * hz * (index * FRAME + i) as f32 / 48_000.0).sin())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_moves_off_a_killed_replica_without_losing_or_reordering_frames() {
    let servers = [Server::start(&[]), Server::start(&[])];
    let client = CloudClient::new(ClientOptions {
        endpoints: servers.iter().map(Server::url).collect(),
        timeout: Duration::from_secs(10),
        ..ClientOptions::default()
    })
    .unwrap();
    let stream = client
        .stream("AudioMixer", &json!({}), Serialization::F32le)
        .unwrap();
    let mut answers = Vec::new();
    for i in 0..40 {
        answers.push(samples(&stream.send(f32le(&frame(i))).await.unwrap()));
    }
    let home = client
        .replicas()
        .into_iter()
        .find(|r| r.active == 1)
        .expect("the stream holds one replica")
        .address;
    let victim = servers.iter().position(|s| s.url() == home).unwrap();

    // 20 frames in flight, then the replica dies, then 40 more frames.
    let mut in_flight: Vec<_> = (40..60).map(|i| stream.send(f32le(&frame(i)))).collect();
    servers[victim].signal("KILL");
    in_flight.extend((60..100).map(|i| stream.send(f32le(&frame(i)))));
    for answer in in_flight {
        answers.push(samples(&answer.await.expect("every frame is answered")));
    }
    let tail = samples(&stream.finish().await.unwrap().expect("the limiter's tail"));

    let moves = stream.moves();
    assert_eq!(moves.len(), 1, "one move: {moves:?}");
    let at = moves[0] as usize;
    assert!((40..=60).contains(&at), "moved at frame {at}: an unanswered one");
    // The reference: a native chain up to the move, a fresh one from there on.
    let mut before = MixerChain::new(ChainConfig::default()).unwrap();
    let mut after = MixerChain::new(ChainConfig::default()).unwrap();
    for (i, answer) in answers.iter().enumerate() {
        let mut expected = frame(i);
        let chain = if i < at { &mut before } else { &mut after };
        chain.process(&mut expected).unwrap();
        assert_eq!(answer, &expected, "frame {i} (moved at {at})");
    }
    let mut expected_tail = vec![0.0; after.latency_samples()];
    after.process(&mut expected_tail).unwrap();
    assert_eq!(tail, expected_tail);

    // Restarted on its port, the replica is back in rotation once it answers SERVING.
    let port = servers[victim].addr.rsplit(':').next().unwrap().to_owned();
    let restarted = Instant::now();
    let _again = Server::start(&["--port", &port]);
    loop {
        let back = client
            .replicas()
            .iter()
            .any(|r| r.address == home && r.serving);
        if back {
            break;
        }
        assert!(restarted.elapsed() < Duration::from_secs(10), "{:?}", client.replicas());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    eprintln!(
        "killed replica back in rotation {} ms after its restart began",
        restarted.elapsed().as_millis()
    );
}
