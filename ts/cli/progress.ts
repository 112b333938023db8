/**
 * Progress of a long command on stderr: a bar redrawn in place on a terminal (at most
 * ten times a second), plain lines every 10 % otherwise (logs, CI), nothing when quiet.
 */

export interface Progress {
  update(done: number, total: number): void
  /** Clears the bar (a terminal) so the next output starts on a clean line. */
  done(): void
}

const WIDTH = 30

export function progress(label: string, quiet: boolean, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (quiet) return { update() {}, done() {} }
  if (stream.isTTY) {
    let last = 0
    let drawn = false
    return {
      update(done, total) {
        const now = performance.now()
        if (done < total && now - last < 100) return
        last = now
        const filled = Math.round((done / total) * WIDTH)
        stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${Math.floor((done / total) * 100)}% (${done}/${total} frames)`)
        drawn = true
      },
      done() {
        if (drawn) stream.write('\r\x1b[2K')
      },
    }
  }
  let step = 0
  return {
    update(done, total) {
      const tenth = Math.floor((done / total) * 10)
      if (tenth > step || (done === total && step < 10)) {
        step = tenth
        stream.write(`${label}: ${tenth * 10}% (${done}/${total} frames)\n`)
      }
    },
    done() {},
  }
}
