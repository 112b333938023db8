// A throw-away npm registry (verdaccio) on 127.0.0.1 at a free port, its storage in a
// temporary folder: edgemix and its platform packages are served only from what is
// published to it; every other package is proxied from the registry npm is configured
// with. Records every request, so a check can see which tarballs an install fetched.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { packagingTools } from './tools.mjs'

export async function startRegistry(dir) {
  const upstream = execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).trim()
  const local = { access: '$all', publish: '$authenticated', unpublish: '$authenticated' }
  const config = {
    storage: join(dir, 'storage'),
    auth: { htpasswd: { file: join(dir, 'htpasswd'), max_users: 1 } },
    uplinks: { upstream: { url: upstream, timeout: '60s' } },
    packages: {
      edgemix: local,
      'edgemix-*': local,
      '**': { access: '$all', publish: '$authenticated', proxy: 'upstream' },
    },
    // A platform package carries a release binary of tens of MB.
    max_body_size: '512mb',
    web: { enable: false },
    middlewares: { audit: { enabled: false } },
    log: { type: 'stdout', format: 'pretty', level: 'error' },
  }
  mkdirSync(dir, { recursive: true })
  const configPath = join(dir, 'config.yaml')
  // JSON is YAML: no serializer needed.
  writeFileSync(configPath, JSON.stringify(config, null, 2))
  const { runServer } = packagingTools()('verdaccio')
  const server = await runServer(configPath)
  const requests = []
  server.on('request', (req) => requests.push(`${req.method} ${req.url}`))
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${server.address().port}/`
  const user = 'edgemix-ci'
  const res = await fetch(new URL(`-/user/org.couchdb.user:${user}`, url), {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: user, password: randomBytes(16).toString('hex') }),
  })
  const { token } = await res.json()
  if (!res.ok || !token) throw new Error(`verdaccio did not create the publishing user: HTTP ${res.status}`)
  return {
    url,
    /** An .npmrc that publishes to and installs from this registry. */
    npmrc: `registry=${url}\n//127.0.0.1:${server.address().port}/:_authToken=${token}\n`,
    requests,
    close: () => new Promise((resolve) => {
      server.closeAllConnections?.()
      server.close(() => resolve())
    }),
  }
}
