import { Writable } from 'node:stream';
import { modelKinds } from '../../src/cli/kinds.js';
import { type ConfigInput, loadConfig } from '../../src/server/config.js';
import { type RunningServer, startServer } from '../../src/server/serve.js';

/**
 * Start the real server in-process on an ephemeral loopback port with a
 * given model repository; `logs` collects every JSON log line it writes.
 */
export interface TestServer extends RunningServer {
  logs: string[];
  close(): Promise<void>;
}

export async function startTestServer(modelsDir: string, flags: ConfigInput = {}, env: NodeJS.ProcessEnv = {}): Promise<TestServer> {
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const config = loadConfig({ env, flags: { host: '127.0.0.1', port: 0, modelsDir, buildMissing: false, logLevel: 'info', ...flags } });
  const server = await startServer({ config, kinds: modelKinds, logDestination: destination as never });
  await server.loaded;
  return Object.assign(server, {
    logs,
    async close() {
      await server.shutdown('test');
    },
  });
}

/** POST JSON and return status, headers and parsed body. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}
