import { rtsError } from '../core/errors.js';

/**
 * Decode a base64 image strictly (Node's decoder silently skips bad
 * characters, which would turn garbage into a confusing image error).
 * Tolerates what real clients send: surrounding whitespace, the reference
 * client's stray quote characters, a `data:image/…;base64,` prefix, line
 * breaks, and the URL-safe alphabet.
 */
export function decodeBase64Image(value: string, field: string): Buffer {
  let s = value.trim();
  s = s.replace(/^["']+|["']+$/g, '');
  const dataUrl = /^data:[a-z0-9.+/-]*(;[a-z0-9=-]+)*;base64,/i.exec(s);
  if (dataUrl) s = s.slice(dataUrl[0].length);
  s = s.replace(/\s+/g, '');
  if (s.length === 0) throw rtsError('INVALID_INPUT', `${field} is empty`);
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(s) || s.length % 4 === 1) {
    throw rtsError('INVALID_INPUT', `${field} is not valid base64`);
  }
  return Buffer.from(s, s.includes('-') || s.includes('_') ? 'base64url' : 'base64');
}
