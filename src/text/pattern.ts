/**
 * Translate a Python `re` pattern (as scikit-learn's `token_pattern` is written) into
 * a JavaScript RegExp with Python's Unicode semantics for `\w \W \d \D \s \S \b \B`.
 *
 * Why: JS `\w`, `\d` and `\b` are ASCII-only even with the `u` flag, while Python 3
 * str patterns are Unicode-aware. Handled besides: global inline flags at the start
 * (`(?u)`, `(?i)`, `(?s)`, `(?m)`, `(?a)`), `(?P<name>…)`, `(?P=name)`, `(?#…)`,
 * `\A`, `\Z`, `{,n}`, a literal `{`/`}`, `.` (Python excludes only `\n`).
 * Not handled (throws INVALID_INPUT): `\W \D \S` inside `[...]`, verbose mode `(?x)`,
 * locale mode `(?L)`, scoped flags `(?i:…)` and conditionals `(?(1)…)`. `$` keeps the JS
 * meaning (end of input; Python also matches before a final newline).
 */
import { rtsError } from '../core/errors.js';
import { PY_SPACE_CHARS, PY_WORD_CHARS } from './unicode.js';

interface CharSets {
  word: string;
  digit: string;
  space: string;
}

const UNICODE_SETS: CharSets = { word: PY_WORD_CHARS, digit: '\\p{Nd}', space: PY_SPACE_CHARS };
const ASCII_SETS: CharSets = { word: 'A-Za-z0-9_', digit: '0-9', space: ' \\t\\n\\r\\f\\v' };

/** Characters that need a backslash in a JS `u`-mode pattern outside / inside a class. */
const JS_SYNTAX = new Set('^$\\.*+?()[]{}|/'.split(''));
const JS_CLASS_SYNTAX = new Set('^\\[]-'.split(''));

function bad(pattern: string, why: string): never {
  throw rtsError('INVALID_INPUT', `unsupported token pattern ${JSON.stringify(pattern)}: ${why}`);
}

export function compilePythonPattern(pattern: string): RegExp {
  let src = pattern;
  const flags = new Set<string>();
  // Global inline flags, allowed only at the start in Python 3.11.
  for (let m = /^\(\?([aiLmsux]+)\)/.exec(src); m !== null; m = /^\(\?([aiLmsux]+)\)/.exec(src)) {
    for (const f of m[1]!) flags.add(f);
    src = src.slice(m[0].length);
  }
  if (flags.has('x')) bad(pattern, 'verbose mode (?x)');
  if (flags.has('L')) bad(pattern, 'locale mode (?L)');
  const sets = flags.has('a') ? ASCII_SETS : UNICODE_SETS;
  const w = `[${sets.word}]`;
  const nw = `[^${sets.word}]`;
  const wordBoundary = `(?:(?<=${w})(?!${w})|(?<!${w})(?=${w}))`;
  const notWordBoundary = `(?:(?<=${w})(?=${w})|(?<!${w})(?!${w}))`;
  const dot = flags.has('s') ? '[\\s\\S]' : '[^\\n]';

  let out = '';
  let inClass = false;
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i]!;
    if (c === '\\') {
      const e = src[i + 1];
      if (e === undefined) bad(pattern, 'trailing backslash');
      i += 2;
      if (inClass) {
        if (e === 'w') out += sets.word;
        else if (e === 'd') out += sets.digit;
        else if (e === 's') out += sets.space;
        else if (e === 'W' || e === 'D' || e === 'S') bad(pattern, `\\${e} inside a character class`);
        else if (e === 'b') out += '\\x08';
        else if (/[A-Za-z0-9]/.test(e)) out += translateLetterEscape(pattern, src, i, e, (adv) => (i += adv));
        else out += JS_CLASS_SYNTAX.has(e) || JS_SYNTAX.has(e) ? `\\${e}` : e;
        continue;
      }
      switch (e) {
        case 'w':
          out += w;
          break;
        case 'W':
          out += nw;
          break;
        case 'd':
          out += `[${sets.digit}]`;
          break;
        case 'D':
          out += `[^${sets.digit}]`;
          break;
        case 's':
          out += `[${sets.space}]`;
          break;
        case 'S':
          out += `[^${sets.space}]`;
          break;
        case 'b':
          out += wordBoundary;
          break;
        case 'B':
          out += notWordBoundary;
          break;
        case 'A':
          out += '(?<![\\s\\S])';
          break;
        case 'Z':
          out += '(?![\\s\\S])';
          break;
        default:
          if (/[A-Za-z0-9]/.test(e)) out += translateLetterEscape(pattern, src, i, e, (adv) => (i += adv));
          else out += JS_SYNTAX.has(e) ? `\\${e}` : e;
      }
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c === '[' ? '\\[' : c;
      i++;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += '[';
      i++;
      if (src[i] === '^') {
        out += '^';
        i++;
      }
      // Python takes a `]` right after `[` or `[^` literally.
      if (src[i] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(' && src[i + 1] === '?') {
      const rest = src.slice(i + 2);
      if (rest.startsWith('P<')) {
        out += '(?<';
        i += 4;
      } else if (rest.startsWith('P=')) {
        const end = src.indexOf(')', i);
        if (end < 0) bad(pattern, 'unterminated (?P=');
        out += `\\k<${src.slice(i + 4, end)}>`;
        i = end + 1;
      } else if (rest.startsWith('#')) {
        const end = src.indexOf(')', i);
        if (end < 0) bad(pattern, 'unterminated comment');
        i = end + 1;
      } else if (/^[:=!]|^<[=!]|^<[A-Za-z_]/.test(rest)) {
        out += '(?';
        i += 2;
      } else {
        bad(pattern, 'scoped flags or conditional groups');
      }
      continue;
    }
    if (c === '{') {
      const q = /^\{(\d*)(,?)(\d*)\}/.exec(src.slice(i));
      if (q !== null && (q[1] !== '' || (q[2] === ',' && q[3] !== ''))) {
        out += `{${q[1] === '' ? '0' : q[1]}${q[2]}${q[3]}}`;
        i += q[0].length;
      } else {
        out += '\\{';
        i++;
      }
      continue;
    }
    if (c === '}') out += '\\}';
    else if (c === '.') out += dot;
    else out += c;
    i++;
  }
  if (inClass) bad(pattern, 'unterminated character class');

  let jsFlags = 'gu';
  if (flags.has('i')) jsFlags += 'i';
  if (flags.has('m')) jsFlags += 'm';
  try {
    return new RegExp(out, jsFlags);
  } catch (err) {
    throw rtsError('INVALID_INPUT', `invalid token pattern ${JSON.stringify(pattern)}: ${(err as Error).message}`);
  }
}

/** Escapes made of a letter or digit that JS and Python spell alike or nearly so. */
function translateLetterEscape(pattern: string, src: string, i: number, e: string, advance: (n: number) => void): string {
  if ('ntrfv'.includes(e)) return `\\${e}`;
  if (e === 'a') return '\\x07';
  if (e === 'x') return `\\x`;
  if (e === 'u') return `\\u`;
  if (e === 'U') {
    const hex = src.slice(i, i + 8);
    if (!/^[0-9A-Fa-f]{8}$/.test(hex)) bad(pattern, 'bad \\U escape');
    advance(8);
    return `\\u{${hex.replace(/^0+(?=.)/, '')}}`;
  }
  if (e === 'N' && src[i] === '{') bad(pattern, 'named character escapes \\N{…}');
  if (/[0-9]/.test(e)) return `\\${e}`;
  return bad(pattern, `unknown escape \\${e}`);
}

/** Number of capturing groups of a compiled pattern (sklearn uses group 1 when there is one). */
export function countGroups(re: RegExp): number {
  return new RegExp(`${re.source}|`, re.flags.replace('g', '')).exec('')!.length - 1;
}
