/**
 * The HTTP ceiling the benchmarks compare rtscore with: a bare fastify server, default
 * options, no logging, no hooks or plugins. `GET /healthz` answers `{"status":"ok"}` and
 * `POST /echo` answers the JSON body it was sent (parsed and serialised again). Run as a
 * child process by bench/peers.ts: `node dist/bench/bare-fastify.js <port>`.
 */
import Fastify from 'fastify';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) throw new Error('usage: bare-fastify <port>');
const app = Fastify({ logger: false });
app.get('/healthz', async () => ({ status: 'ok' }));
app.post('/echo', async (req) => req.body);
await app.listen({ host: '127.0.0.1', port });
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void app.close().then(() => process.exit(0)));
