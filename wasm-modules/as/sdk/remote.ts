// The optional host import `env.call_remote_service` (ABI.md, "Import"): a module that
// calls `callRemote` imports it, one that does not has no import at all.

import { BUFFER_TOO_SMALL, FAILED, OK } from "./index"

@external("env", "call_remote_service")
declare function call_remote_service(name: usize, nameLen: i32, data: usize, dataLen: i32, result: usize, resultLen: usize): i32

/** What a remote call gave: `code` OK with `bytes`, or the host's negative code. */
export class RemoteAnswer {
  constructor(public code: i32, public bytes: Uint8Array = new Uint8Array(0)) {}
}

/** The first answer buffer holds at least this many bytes. */
const MIN_CAPACITY: i32 = 1024

/**
 * Calls the cloud service `service` with `data` and returns its answer. The first answer
 * buffer is as large as `data` (at least 1 KiB); after BUFFER_TOO_SMALL the call is
 * retried once with the length the host asked for (the host keeps its answer: the service
 * is called once). Host codes pass through: REMOTE_UNAVAILABLE (-6), REMOTE_FAILED (-7),
 * REMOTE_DENIED (-8, not in the module's allowRemote), REMOTE_TIMEOUT (-9); FAILED when
 * the host breaks the buffer protocol.
 */
export function callRemote(service: string, data: Uint8Array): RemoteAnswer {
  const name = String.UTF8.encode(service)
  let capacity = max(data.length, MIN_CAPACITY)
  const cell = new Uint32Array(1)
  for (let attempt = 0; attempt < 2; attempt++) {
    const answer = new Uint8Array(capacity)
    cell[0] = <u32>capacity
    const code = call_remote_service(
      changetype<usize>(name), name.byteLength, data.dataStart, data.length, answer.dataStart, cell.dataStart,
    )
    const len = <i32>cell[0]
    if (code == OK && len <= capacity) return new RemoteAnswer(OK, answer.subarray(0, len))
    if (code == BUFFER_TOO_SMALL && len > capacity) {
      capacity = len
      continue
    }
    return new RemoteAnswer(code == OK || code == BUFFER_TOO_SMALL ? FAILED : code)
  }
  return new RemoteAnswer(FAILED)
}
