// Forwards its input to a cloud service through the SDK's `callRemote` and returns the
// answer (the AssemblyScript twin of the Rust remote.wasm). Configuration:
// { "service": "<node type>" }, default "PassThrough". The host's codes pass through.

import { Config, Format, INVALID_CONFIG, Input, Module, ModuleInfo, OK, Output, register } from "../sdk/index"
import { callRemote } from "../sdk/remote"

class Remote extends Module {
  service: string = "PassThrough"

  configure(config: Config): i32 {
    if (!config.only(["service"])) return INVALID_CONFIG
    const service = config.string("service", "PassThrough")
    if (service == null || service.length == 0) return INVALID_CONFIG
    this.service = service
    return OK
  }

  process(input: Input, out: Output): i32 {
    const answer = callRemote(this.service, input.toBytes())
    if (answer.code != OK) return answer.code
    out.writeBytes(answer.bytes)
    return OK
  }
}

register(
  new ModuleInfo("as_remote", "0.1.0", Format.Bytes, Format.Bytes, "Forwards its input to a cloud service (AssemblyScript; config: { service })"),
  (sessionId: string): Module | null => new Remote(),
)

export * from "../sdk/exports"
