// The addon in several worker_threads at once and in forked processes: the same work
// (process-job.cjs) gives the same bytes everywhere as on this thread.
import { fork } from 'node:child_process'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { job } = require('./process-job.cjs')

const JOB = join(__dirname, 'process-job.cjs')

function inWorker(): Promise<unknown> {
  const worker = new Worker(`require(${JSON.stringify(JOB)}).job().then((r) => require('node:worker_threads').parentPort.postMessage(r))`, { eval: true })
  return new Promise((resolve, reject) => {
    worker.once('message', (r) => { resolve(r); void worker.terminate() })
    worker.once('error', reject)
  })
}

function inFork(): Promise<unknown> {
  const child = fork(JOB, [], { stdio: 'inherit' })
  return new Promise((resolve, reject) => {
    child.once('message', (r) => { resolve(r); child.kill() })
    child.once('error', reject)
  })
}

describe('worker threads and forks', () => {
  it('4 worker threads at once give the main thread\'s bytes', async () => {
    const reference = await job()
    expect(reference.mixed).toHaveLength(50)
    expect(new Set(reference.mixed).size).toBe(50)
    const results = await Promise.all([inWorker(), inWorker(), inWorker(), inWorker()])
    for (const r of results) expect(r).toEqual(reference)
    // The addon still works here after the workers' environments were torn down.
    expect(await job()).toEqual(reference)
  })

  it('2 forked processes at once give the same bytes', async () => {
    const reference = await job()
    const results = await Promise.all([inFork(), inFork()])
    for (const r of results) expect(r).toEqual(reference)
  })
})
