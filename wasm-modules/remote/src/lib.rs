//! `remote.wasm`: forwards its input to a cloud service through the host import
//! `env.call_remote_service` and returns the answer.
//!
//! Configuration: `{ "service": "<name>" }`, default `"PassThrough"`. The host's errors
//! pass through (`-6` unavailable, `-7` failed, `-8` denied, `-9` timeout).

use edgemix_wasm_abi::{call_remote, export_module, Code, Format, Module};
use serde::Deserialize;

/// The configuration JSON; unknown keys are refused.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    service: Option<String>,
}

struct Remote {
    service: String,
}

impl Module for Remote {
    const NAME: &'static str = "remote";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str = "Forwards its input to a cloud service (config: { \"service\": name }, default PassThrough)";
    const INPUT: Format = Format::Bytes;
    const OUTPUT: Format = Format::Bytes;

    fn initialize(_session_id: &str) -> Result<Self, Code> {
        Ok(Remote {
            service: "PassThrough".into(),
        })
    }

    fn configure(&mut self, json: &str) -> Result<(), Code> {
        if json.trim().is_empty() {
            return Ok(());
        }
        let config: Config = serde_json::from_str(json).map_err(|err| {
            eprintln!("remote: invalid config: {err}");
            Code::InvalidConfig
        })?;
        match config.service {
            Some(service) if service.is_empty() => {
                eprintln!("remote: invalid config: service must not be empty");
                Err(Code::InvalidConfig)
            }
            Some(service) => {
                self.service = service;
                Ok(())
            }
            None => Ok(()),
        }
    }

    fn process(&mut self, input: &[u8], output: &mut Vec<u8>) -> Result<(), Code> {
        *output = call_remote(&self.service, input)?;
        Ok(())
    }
}

export_module!(Remote);
