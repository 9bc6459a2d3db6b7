import { createHash, timingSafeEqual } from 'node:crypto';
import { rtsError } from '../core/errors.js';
import { type RtsConfig, readKeyFile } from './config.js';

/**
 * API-key authentication. Keys are kept only as SHA-256 digests and compared
 * in constant time; a request presents one as `Authorization: Bearer <key>`
 * (or `X-API-Key: <key>` for clients that cannot set Authorization).
 *
 * 401: no key, a malformed header, or an unknown key (not authenticated).
 * 403: a valid key that is not allowed this route (e.g. repository control
 *      without an admin key).
 */
export interface KeySets {
  keys: readonly string[];
  adminKeys: readonly string[];
}

/** The keys a configuration names: inline lists plus the key files (read now). */
export function keySets(config: RtsConfig): KeySets {
  return {
    keys: [...config.apiKeys, ...(config.apiKeysFile ? readKeyFile(config.apiKeysFile) : [])],
    adminKeys: [...config.adminApiKeys, ...(config.adminApiKeysFile ? readKeyFile(config.adminApiKeysFile) : [])],
  };
}

export interface Principal {
  /** Short, non-reversible id of the key, safe for logs and rate-limit buckets. */
  keyId: string;
  admin: boolean;
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

export class ApiKeyAuth {
  private regular: Buffer[] = [];
  private admin: Buffer[] = [];

  constructor(keys: KeySets) {
    this.setKeys(keys);
  }

  /** Replace the keys (rotation without restart). */
  setKeys({ keys, adminKeys }: KeySets): void {
    this.regular = [...new Set(keys)].map(digest);
    this.admin = [...new Set(adminKeys)].map(digest);
  }

  get enabled(): boolean {
    return this.regular.length + this.admin.length > 0;
  }

  /** Without admin keys configured, every valid key may manage models. */
  get adminRequired(): boolean {
    return this.admin.length > 0;
  }

  /** Check a request's credentials; throws 401 RtsError when they do not authenticate. */
  authenticate(headers: { authorization?: string | undefined; 'x-api-key'?: string | string[] | undefined }): Principal {
    const key = extractKey(headers);
    if (key === undefined) throw rtsError('UNAUTHORIZED', 'an API key is required: send "Authorization: Bearer <key>"');
    const d = digest(key);
    // Compare against every key so the time does not tell which one matched.
    let admin = false;
    let regular = false;
    for (const k of this.admin) admin = timingSafeEqual(k, d) || admin;
    for (const k of this.regular) regular = timingSafeEqual(k, d) || regular;
    if (!admin && !regular) throw rtsError('UNAUTHORIZED', 'the API key is not valid');
    return { keyId: d.subarray(0, 6).toString('hex'), admin: admin || !this.adminRequired };
  }
}

function extractKey(headers: { authorization?: string | undefined; 'x-api-key'?: string | string[] | undefined }): string | undefined {
  const auth = headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(auth);
    if (!m) throw rtsError('UNAUTHORIZED', 'the Authorization header must be "Bearer <key>"');
    return m[1];
  }
  const x = headers['x-api-key'];
  if (typeof x === 'string' && x.length > 0) return x;
  return undefined;
}
