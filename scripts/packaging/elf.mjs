// What a Linux binary of the addon asks of the machine that loads it, read with binutils'
// readelf: its architecture, the shared libraries it needs and the newest glibc symbol
// version it uses. A -gnu build must need nothing beyond glibc and libgcc_s, at symbol
// versions no newer than GLIBC_FLOOR; a -musl build nothing beyond musl's libc.so.
import { execFileSync } from 'node:child_process'

const MACHINE = { x86_64: 'Advanced Micro Devices X86-64', aarch64: 'AArch64' }
// glibc's own libraries, the dynamic loader and libgcc_s (unwinding): on every glibc system.
const GLIBC_LIBS = /^(libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|libgcc_s\.so\.1|ld-linux-(x86-64|aarch64)\.so\.[12])$/

const readelf = (args, file) => execFileSync('readelf', ['--wide', ...args, file], { encoding: 'utf8', maxBuffer: 64 << 20 })

/** { machine, needed: string[], glibc: 'x.y' | null } of `file`. */
export function elfInfo(file) {
  const machine = /Machine:\s+(.+)$/m.exec(readelf(['--file-header'], file))?.[1].trim()
  const needed = [...readelf(['--dynamic'], file).matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1])
  const versions = [...readelf(['--version-info'], file).matchAll(/Name: GLIBC_(\d+)\.(\d+)(?:\.(\d+))?/g)].map((m) => [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)])
  versions.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2])
  const top = versions.at(-1)
  return { machine, needed, glibc: top ? top.slice(0, top[2] ? 3 : 2).join('.') : null }
}

const newer = (a, b) => {
  const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)]
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0)
  return false
}

/** Problems of the binary `file` built for the Rust `target` (an empty list when fine). */
export function elfProblems(file, target, glibcFloor) {
  const info = elfInfo(file)
  const problems = []
  const arch = target.split('-')[0]
  if (info.machine !== MACHINE[arch]) problems.push(`machine ${info.machine}, expected ${MACHINE[arch]}`)
  if (target.endsWith('-gnu')) {
    for (const lib of info.needed) if (!GLIBC_LIBS.test(lib)) problems.push(`needs ${lib}, which is not part of glibc`)
    if (info.glibc && newer(info.glibc, glibcFloor)) problems.push(`uses GLIBC_${info.glibc} symbols, newer than the floor ${glibcFloor}`)
  } else if (target.endsWith('-musl')) {
    for (const lib of info.needed) if (lib !== 'libc.so') problems.push(`needs ${lib}; a musl build may need only musl's libc.so`)
    if (info.glibc) problems.push(`references glibc symbol versions (GLIBC_${info.glibc})`)
  }
  return { info, problems }
}
