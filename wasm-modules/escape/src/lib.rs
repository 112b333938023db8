//! `escape.wasm` (test module): `process` tries to leave the sandbox — open a file, list
//! a directory, read the environment, open a socket — writes to stdout and stderr, and
//! outputs what happened as JSON:
//! `{"file":"error: ...","dir":"error: ...","env":"error: ...","socket":"error: ..."}`
//! ("ok" for anything that succeeded). Meaningful as `escape.wasip1.wasm`; in the
//! unknown-unknown build every attempt fails as unsupported and stdout/stderr go nowhere.

use std::fmt::Display;

use edgemix_wasm_abi::{export_module, json_string, Code, Format, Module};

struct Escape;

fn outcome<T, E: Display>(attempt: Result<T, E>) -> String {
    match attempt {
        Ok(_) => "ok".to_owned(),
        Err(err) => format!("error: {err}"),
    }
}

impl Module for Escape {
    const NAME: &'static str = "escape";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str =
        "Test module: tries files, directories, environment and sockets";
    const INPUT: Format = Format::Bytes;
    const OUTPUT: Format = Format::Json;

    fn initialize(_session_id: &str) -> Result<Self, Code> {
        Ok(Escape)
    }

    fn process(&mut self, _input: &[u8], output: &mut Vec<u8>) -> Result<(), Code> {
        println!("escape: trying");
        eprintln!("escape: stderr is captured too");
        let attempts = [
            ("file", outcome(std::fs::File::open("/etc/passwd"))),
            ("dir", outcome(std::fs::read_dir("/"))),
            ("env", outcome(std::env::var("HOME"))),
            (
                "socket",
                outcome(std::net::TcpStream::connect("127.0.0.1:1")),
            ),
        ];
        let fields: Vec<String> = attempts
            .iter()
            .map(|(key, result)| format!("{}:{}", json_string(key), json_string(result)))
            .collect();
        output.extend_from_slice(format!("{{{}}}", fields.join(",")).as_bytes());
        Ok(())
    }
}

export_module!(Escape);
