//! Helpers of the binary's tests: the real `edgemix-server` started as operators start
//! it, its printed addresses, and float32 framing.
#![allow(dead_code)] // each test file uses its own subset

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};

use bytes::Bytes;

/// A running `edgemix-server` process and what it printed at start.
pub struct Server {
    pub child: Child,
    /// `127.0.0.1:port` of the gRPC service.
    pub addr: String,
    /// `http://127.0.0.1:port/metrics`, when started with `--metrics-port`.
    pub metrics: Option<String>,
    _stdout: BufReader<ChildStdout>,
}

impl Server {
    /// Starts the binary on 127.0.0.1 (`--port 0` unless `args` give one) and reads the
    /// lines it prints once listening.
    pub fn start(args: &[&str]) -> Self {
        let port: Vec<&str> = if args.contains(&"--port") {
            vec![]
        } else {
            vec!["--port", "0"]
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_edgemix-server"))
            .args(["--host", "127.0.0.1"])
            .args(port)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut read = |prefix: &str| {
            let mut line = String::new();
            stdout.read_line(&mut line).unwrap();
            line.trim()
                .strip_prefix(prefix)
                .unwrap_or_else(|| panic!("expected {prefix:?}, got {line:?}"))
                .to_owned()
        };
        let addr = read("edgemix-server listening on ");
        let metrics = args
            .contains(&"--metrics-port")
            .then(|| read("edgemix-server metrics on "));
        Self {
            child,
            addr,
            metrics,
            _stdout: stdout,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Sends `signal` (TERM, KILL) to the process.
    pub fn signal(&self, signal: &str) {
        assert!(Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .unwrap()
            .success());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn f32le(samples: &[f32]) -> Bytes {
    edgemix_wire::f32le::encode(samples).into()
}

pub fn samples(bytes: &[u8]) -> Vec<f32> {
    edgemix_wire::f32le::decode(bytes).expect("a whole number of float32 samples")
}
