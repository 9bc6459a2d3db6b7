/**
 * A real nginx (Debian's package) as the load balancer in front of rtscore
 * replicas, run by the test as a foreground process with its own config and
 * files in a temporary folder.
 *
 * Open-source nginx has passive health checks only (max_fails / fail_timeout,
 * and retrying the next server on errors): it never asks /readyz. Which servers
 * are in the upstream is therefore decided outside nginx, by ReadinessGate in
 * gate.ts, the way Kubernetes' endpoints controller and ingress-nginx do it:
 * setUpstreams() rewrites the upstream list and reloads nginx (graceful: old
 * workers finish their requests).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import { waitFor } from './replicas.js';

const run = promisify(execFile);

export interface NginxOptions {
  /** The nginx binary. */
  nginx: string;
  /** Empty folder for config, logs, pid and temp files. */
  dir: string;
  /** Port nginx listens on (127.0.0.1). */
  port: number;
}

export class NginxBalancer {
  readonly origin: string;
  private process: ChildProcess | undefined;
  private generation = 0;
  private readonly conf: string;
  private output = '';

  constructor(private readonly options: NginxOptions) {
    this.origin = `http://127.0.0.1:${options.port}`;
    this.conf = join(options.dir, 'nginx.conf');
  }

  private get args(): string[] {
    const { dir } = this.options;
    return ['-p', dir, '-e', join(dir, 'error.log'), '-c', this.conf];
  }

  private writeMainConfig(): void {
    const { dir, port } = this.options;
    const tmp = join(dir, 'tmp');
    mkdirSync(tmp, { recursive: true });
    const config = `
worker_processes 1;
daemon off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 1024; }
http {
  log_format upstreams '$msec $status $upstream_addr $upstream_status $upstream_http_x_rtscore_instance';
  access_log ${join(dir, 'access.log')} upstreams;
  client_body_temp_path ${tmp}/body;
  proxy_temp_path ${tmp}/proxy;
  fastcgi_temp_path ${tmp}/fastcgi;
  uwsgi_temp_path ${tmp}/uwsgi;
  scgi_temp_path ${tmp}/scgi;
  client_body_buffer_size 1m;
  include ${join(dir, 'upstream.conf')};
  server {
    listen 127.0.0.1:${port};
    # Which upstream list this worker has: setUpstreams() waits for its number.
    location = /__lb/generation { return 200 $lb_generation; }
    location / {
      proxy_pass http://rtscore;
      # Keep-alive connections to the replicas (needs HTTP/1.1 and no Connection header).
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_connect_timeout 1s;
      proxy_read_timeout 30s;
      # Passive health: a replica that refuses or drops a connection, or answers
      # 502/503 (draining), is skipped and the request goes to the next one.
      # non_idempotent: POSTs too; scoring has no side effects, and a keep-alive
      # connection closed by a draining replica must not fail the request.
      proxy_next_upstream error http_502 http_503 non_idempotent;
      proxy_next_upstream_tries 3;
      proxy_next_upstream_timeout 5s;
    }
  }
}
`;
    writeFileSync(this.conf, config);
  }

  private writeUpstreams(servers: string[]): void {
    this.generation += 1;
    // nginx rejects an empty upstream; a server marked down keeps the block valid (502 for clients).
    const lines = servers.length > 0 ? servers.map((s) => `  server ${s} max_fails=1 fail_timeout=2s;`) : ['  server 127.0.0.1:9 down;'];
    writeFileSync(
      join(this.options.dir, 'upstream.conf'),
      [
        `map $host $lb_generation { default "${this.generation}"; }`,
        'upstream rtscore {',
        ...lines,
        '  keepalive 16;',
        // Below the server's keep-alive timeout (65 s), so nginx, not rtscore, closes idle connections.
        '  keepalive_timeout 30s;',
        '}',
        '',
      ].join('\n'),
    );
  }

  /** Generation served by nginx now (over a fresh connection, so by a current worker). */
  private async servedGeneration(): Promise<number> {
    const res = await request(`${this.origin}/__lb/generation`, { reset: true, headersTimeout: 1000, bodyTimeout: 1000 });
    return Number(await res.body.text());
  }

  async start(servers: string[]): Promise<void> {
    this.writeMainConfig();
    this.writeUpstreams(servers);
    this.process = spawn(this.options.nginx, this.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.process.stdout!.on('data', (c: Buffer) => (this.output += c.toString()));
    this.process.stderr!.on('data', (c: Buffer) => (this.output += c.toString()));
    const expected = this.generation;
    await waitFor(
      'nginx to start',
      async () => {
        if (this.process?.exitCode !== null) throw new Error(`nginx exited: ${this.output}${this.errorLog()}`);
        return (await this.servedGeneration()) === expected;
      },
      10_000,
    );
  }

  /** Replace the upstream servers ("127.0.0.1:port") and wait until nginx uses the new list. */
  async setUpstreams(servers: string[]): Promise<void> {
    this.writeUpstreams(servers);
    const expected = this.generation;
    await run(this.options.nginx, [...this.args, '-s', 'reload']);
    await waitFor(`nginx to load upstream generation ${expected}`, async () => (await this.servedGeneration()) >= expected, 10_000, 20).catch((err: Error) => {
      throw new Error(`${err.message}\n${this.errorLog()}`);
    });
    // A fresh connection reaching the new worker does not mean the old one has
    // stopped accepting: until it exits, a client may still land on the old
    // upstream list. Wait for the master to have only the new worker left.
    await waitFor('the previous nginx worker to exit', async () => this.workerCount() <= 1, 10_000, 20);
  }

  /** Worker processes of the nginx master (Linux /proc); 1 when it cannot tell. */
  private workerCount(): number {
    const pid = this.process?.pid;
    if (!pid) return 1;
    try {
      return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).length;
    } catch {
      return 1;
    }
  }

  errorLog(): string {
    const file = join(this.options.dir, 'error.log');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  /** Graceful stop (SIGQUIT: finish requests, then exit). */
  async stop(): Promise<void> {
    const p = this.process;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
    p.kill('SIGQUIT');
    const timer = setTimeout(() => p.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
