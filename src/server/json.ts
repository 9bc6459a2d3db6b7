import { parse as secureJsonParse } from 'secure-json-parse';
import { rtsError } from '../core/errors.js';

/**
 * Every JSON body the server reads goes through `parseJsonText`: nesting is
 * bounded (like Triton's 100 levels) before parsing, so a 10,000-level body
 * is a 400, not a stack overflow in whatever walks the value later; and
 * `__proto__` / `constructor.prototype` keys are refused as fastify's own
 * parser does (secure-json-parse).
 */
export const MAX_JSON_DEPTH = 100;

/** The deepest nesting of arrays and objects in JSON text (strings skipped); stops counting past `limit`. */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // Skip the string with the native search (a 30 MB string costs no JS loop):
      // its end is the next quote not escaped by an odd run of backslashes.
      for (;;) {
        const end = text.indexOf('"', i + 1);
        if (end < 0) return deepest; // unterminated: the parser will say so
        let slashes = 0;
        while (text.charCodeAt(end - 1 - slashes) === 0x5c) slashes++;
        i = end;
        if (slashes % 2 === 0) break;
      }
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return deepest;
}

/** JSON text → value; `what` names it in errors ("the body", "the inference request"). */
export function parseJsonText(text: string, what: string): unknown {
  if (jsonDepth(text) > MAX_JSON_DEPTH) {
    throw rtsError('INVALID_JSON', `${what} nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`);
  }
  try {
    return secureJsonParse(text, { protoAction: 'error', constructorAction: 'error' });
  } catch (err) {
    throw rtsError('INVALID_JSON', `${what} is not valid JSON: ${(err as Error).message}`);
  }
}
