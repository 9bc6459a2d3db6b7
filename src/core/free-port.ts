import { createServer } from 'node:net';

/**
 * A free TCP port on 127.0.0.1 (asked from the OS, then released), for starting real servers
 * as child processes in tests and benchmarks, which must know the port before the child binds it.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
