// Container HEALTHCHECK: GET /healthz on the local server. The slim image has no
// curl or wget, and Node is there anyway. Exit 0 = healthy, 1 = unhealthy.
// Liveness only (the process answers); readiness (/readyz) is the orchestrator's job.
import http from 'node:http';
import https from 'node:https';

const port = Number(process.env.RTSCORE_PORT ?? 8080);
const tls = Boolean(process.env.RTSCORE_TLS_CERT);
const request = (tls ? https : http).get(
  {
    host: '127.0.0.1',
    port,
    path: '/healthz',
    timeout: 2000,
    // The certificate names the public host, not 127.0.0.1; this check only asks
    // the local process whether it is alive.
    rejectUnauthorized: false,
  },
  (res) => {
    res.resume();
    process.exit(res.statusCode === 200 ? 0 : 1);
  },
);
request.on('timeout', () => request.destroy(new Error('timeout')));
request.on('error', () => process.exit(1));
