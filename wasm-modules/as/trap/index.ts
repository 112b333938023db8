// Test module: `process` reads past the end of an array. AssemblyScript's bounds check
// calls `abort`, which the SDK's asconfig.json turns into a trap (`use: abort=`): the
// host must report ERR_WASM_TRAP and go on with a fresh instance.

import { Format, Input, Module, ModuleInfo, Output, register } from "../sdk/index"

class Trap extends Module {
  cells: i32[] = [1]

  process(input: Input, out: Output): i32 {
    out.writeByte(<u8>this.cells[input.length + 1])
    return 0
  }
}

register(new ModuleInfo("as_trap", "0.1.0", Format.Bytes, Format.Bytes, "Test module: an out-of-bounds read"), (id: string): Module | null => new Trap())

export * from "../sdk/exports"
