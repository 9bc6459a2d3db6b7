import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import helmet, { type HelmetOptions } from 'helmet';
import { describe, expect, it } from 'vitest';
import { helmetHeaders } from '../../../src/server/plugins/security-headers.js';

/** The headers helmet's own middleware puts on a real Node response, per request. */
async function headersFromHelmetPerRequest(options: HelmetOptions): Promise<Record<string, string>> {
  const middleware = helmet(options);
  const server: Server = createHttpServer((req, res) => middleware(req, res, () => res.end('ok')));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const r = await fetch(`http://127.0.0.1:${port}/`);
    const out: Record<string, string> = {};
    // Node's own headers are not helmet's.
    for (const [k, v] of r.headers) if (!['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'].includes(k)) out[k] = v;
    return out;
  } finally {
    server.close();
  }
}

describe('helmetHeaders: helmet computed once', () => {
  const cases: [string, HelmetOptions][] = [
    ['defaults', {}],
    [
      'rtscore without TLS',
      {
        contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], imgSrc: ["'self'", 'data:', 'blob:'], upgradeInsecureRequests: null } },
        strictTransportSecurity: false,
        crossOriginResourcePolicy: { policy: 'same-origin' },
      },
    ],
    ['rtscore with TLS', { strictTransportSecurity: { maxAge: 15552000 }, crossOriginResourcePolicy: { policy: 'same-origin' } }],
  ];
  for (const [name, options] of cases) {
    it(`gives exactly the headers helmet sets per request (${name})`, async () => {
      const once = helmetHeaders(options);
      expect(Object.keys(once).length).toBeGreaterThan(8);
      expect(once).toEqual(await headersFromHelmetPerRequest(options));
    });
  }

  it('refuses options helmet rejects, at start-up', () => {
    expect(() => helmetHeaders({ contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], 'bad directive': ['x'] } } })).toThrow();
  });
});
