// A process (or worker) with an embedded cloud server, the HTTP API and a WebSocket
// stream (not in 'natural', where they would hold the loop), a cloud stream and WASM sessions
// streaming, ended without close() in the way argv[2] says: exit, throw, natural, worker.
const { join } = require('node:path')
const addon = require(join(__dirname, '..', 'edgemix.linux-x64-gnu.node'))
const { isMainThread, parentPort, Worker } = require('node:worker_threads')

const mode = isMainThread ? process.argv[2] : 'stream'
const say = (m) => (isMainThread ? console.log(m) : parentPort.postMessage(m))

async function stream() {
  const server = await addon.startServer({ port: 0 })
  if (mode === 'natural') server.unref()
  const client = new addon.CloudClient({ endpoints: [`127.0.0.1:${server.port}`], timeoutMs: 10000, retries: 0 })
  const cloud = client.openStream('AudioMixer', null)
  const node = await addon.WasmEdgeNode.load(join(__dirname, '..', 'wasm-modules', 'dist', 'mixer.wasm'))
  const sessions = await Promise.all([node.createSession(), node.createSession()])
  const chain = new addon.MixerChain()
  let running = true
  let answered = 0
  const sockets = []
  if (mode !== 'natural') {
    // The HTTP API (edgemix serve) with a WebSocket stream, left open.
    const http = await require(join(__dirname, '..', 'dist', 'index.js')).createHttpServer()
    const url = await http.listen({ port: 0 })
    const WebSocket = require('ws')
    const ws = new WebSocket(url.replace('http', 'ws') + '/stream')
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
    const send = () => ws.send(Buffer.from(new Float32Array(960).fill(0.1).buffer))
    ws.on('message', () => { answered++; if (running) send() })
    send()
    sockets.push(ws)
  }
  const loop = async (send) => { while (running) { await send(new Float32Array(960).fill(0.1)); answered++ } }
  const loops = [loop((f) => cloud.send(f)), loop((f) => chain.process(f)), ...sessions.map((s) => loop((f) => s.process(f)))]
  while (answered < 20) await new Promise((r) => setTimeout(r, 5))
  say('streaming')
  if (mode === 'natural') { running = false; await Promise.allSettled(loops) }
  return loops
}

if (mode === 'exit') stream().then(() => process.exit(7))
else if (mode === 'throw') stream().then(() => setTimeout(() => { throw new Error('uncaught-on-purpose') }))
else if (mode === 'natural' || mode === 'stream') stream()
else if (mode === 'worker') {
  const worker = new Worker(__filename)
  worker.once('message', async () => {
    await worker.terminate()
    const out = new addon.MixerChain().processSync(new Float32Array(960).fill(0.1))
    console.log(`streaming ${out.length}`)
    process.exit(0)
  })
}
