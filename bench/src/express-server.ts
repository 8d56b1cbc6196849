// The Express app under test, in its own process so autocannon (in the parent) does not share
// its event loop. Both routes answer the same body; only `stitchAuth()` differs.
import { createStitchAuth, stitchAuth } from '@stitch-auth/express'
import express from 'express'
import { CLIENT_ID, CLIENT_SECRET, SCOPE } from './util.ts'

const [tokenUrl, apiUrl] = process.argv.slice(2)
const stitch = createStitchAuth({
  clientId: CLIENT_ID,
  clientSecret: CLIENT_SECRET,
  scopes: [SCOPE],
  tokenUrl,
  apiUrl,
})
await stitch.getToken()

const app = express()
app.get('/bare', (_req, res) => {
  res.json({ ok: true })
})
app.get('/auth', stitchAuth({ client: stitch }), (req, res) => {
  res.json({ ok: req.stitchToken !== undefined })
})

const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address()
  process.send?.({ port: typeof address === 'object' && address ? address.port : 0 })
})
// The parent reads this process's CPU time around each run: unlike req/s, it does not
// count time other processes on a shared machine take from us.
process.on('message', () => {
  process.send?.({ cpu: process.cpuUsage() })
})
process.on('disconnect', () => {
  server.close()
  server.closeAllConnections()
  void stitch.close()
})
