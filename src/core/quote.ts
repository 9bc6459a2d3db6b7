/**
 * A value taken from a request, quoted for an error message: JSON-quoted and
 * cut to `max` characters with "…", so an error never echoes a whole bad
 * value (a 30 MB string must not come back as a 30 MB 400). Every message
 * that quotes input goes through here.
 */
export const MAX_QUOTED_CHARS = 100;

export function quote(value: unknown, max = MAX_QUOTED_CHARS): string {
  if (typeof value === 'bigint') return String(value);
  let text: string;
  if (typeof value === 'string') {
    // Cut before stringifying: JSON.stringify of a huge string is itself the cost to avoid.
    text = JSON.stringify(value.length > max ? value.slice(0, max) : value);
    return value.length > max ? `${text.slice(0, -1)}…"` : text;
  }
  try {
    text = shallow(value, max) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** JSON of a value, walking no more than needed for `max` characters (arrays and objects may be huge or deep). */
function shallow(value: unknown, max: number): string | undefined {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const array = Array.isArray(value) ? (value as unknown[]) : undefined;
  const keys = array ? undefined : Object.keys(value);
  const n = array ? array.length : keys!.length;
  let out = '';
  for (let i = 0; i < n && out.length <= max; i++) {
    const v = array ? array[i] : (value as Record<string, unknown>)[keys![i]!];
    const inner = v !== null && typeof v === 'object' ? (Array.isArray(v) ? '[…]' : '{…}') : quote(v, max);
    out += (i > 0 ? ',' : '') + (array ? inner : `${quote(keys![i]!, max)}:${inner}`);
  }
  return array ? `[${out}]` : `{${out}}`;
}

/** A name taken from a request, cut to `max` characters with "…" but not quoted (for field paths such as `input.<key>`). */
export function clip(text: string, max = MAX_QUOTED_CHARS): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
