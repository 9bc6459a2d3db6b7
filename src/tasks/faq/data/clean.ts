/**
 * Text cleaning of REFERENCE §1 step 1: Stack Exchange HTML → plain, lowercase text.
 *
 * Differences from the reference's `clean_text`, all deliberate:
 * - HTML entities are decoded (the reference forgot);
 * - the link pattern is non-greedy (the reference's greedy `(.*)` swallowed the text between
 *   two links) and code blocks may span lines;
 * - block-level tags (`<p>`, `<li>`, `<br>`, …) become a space rather than nothing, so words
 *   of adjacent paragraphs never glue together; whitespace is then collapsed.
 */

const CODE_BLOCK = /<pre\b[^>]*>\s*<code\b[^>]*>[\s\S]*?<\/code>\s*<\/pre>/gi;
const LINK = /<a\b[^>]*>([\s\S]*?)<\/a\s*>/gi;
const URL_TEXT = /^\s*[a-z][a-z0-9+.-]*:\/\//i;
const BLOCK_TAG = /<\/?(?:p|div|br|hr|li|ul|ol|dl|dt|dd|blockquote|pre|h[1-6]|table|thead|tbody|tr|td|th|img)\b[^>]*>/gi;
const ANY_TAG = /<[^>]+>/g;

/** Named entities that occur in Stack Exchange posts (the rest stay as written). */
const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  ndash: '–',
  mdash: '—',
  hellip: '…',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  laquo: '«',
  raquo: '»',
  bull: '•',
  middot: '·',
  deg: '°',
  times: '×',
  divide: '÷',
  plusmn: '±',
  euro: '€',
  pound: '£',
  yen: '¥',
  cent: '¢',
  copy: '©',
  reg: '®',
  trade: '™',
  sect: '§',
  para: '¶',
  iexcl: '¡',
  iquest: '¿',
  shy: '',
  eacute: 'é',
  egrave: 'è',
  ecirc: 'ê',
  euml: 'ë',
  aacute: 'á',
  agrave: 'à',
  acirc: 'â',
  auml: 'ä',
  atilde: 'ã',
  aring: 'å',
  oacute: 'ó',
  ograve: 'ò',
  ocirc: 'ô',
  ouml: 'ö',
  otilde: 'õ',
  oslash: 'ø',
  uacute: 'ú',
  ugrave: 'ù',
  ucirc: 'û',
  uuml: 'ü',
  iacute: 'í',
  igrave: 'ì',
  icirc: 'î',
  iuml: 'ï',
  ntilde: 'ñ',
  ccedil: 'ç',
  szlig: 'ß',
  aelig: 'æ',
  Eacute: 'É',
  Aacute: 'Á',
  Oacute: 'Ó',
  Uacute: 'Ú',
  Ntilde: 'Ñ',
  Ccedil: 'Ç',
  Auml: 'Ä',
  Ouml: 'Ö',
  Uuml: 'Ü',
  rarr: '→',
  larr: '←',
  harr: '↔',
  uarr: '↑',
  darr: '↓',
};

/** Decode `&name;`, `&#123;` and `&#x1F;`; unknown or invalid references are kept as written. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});/g, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return '\uFFFD';
      return String.fromCodePoint(code);
    }
    return NAMED_ENTITIES[ref] ?? whole;
  });
}

/** Collapse runs of whitespace to one space and trim. */
export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export interface HtmlToTextOptions {
  /** Remove `<pre><code>` blocks (default true: code is noise for matching). */
  dropCode?: boolean;
}

/** HTML → readable plain text (case kept): for display of questions and answers. */
export function htmlToText(html: string, options: HtmlToTextOptions = {}): string {
  let text = options.dropCode === false ? html : html.replace(CODE_BLOCK, ' ');
  // A link becomes its text, unless that text is itself a URL (then it is dropped).
  text = text.replace(LINK, (_m, inner: string) => (URL_TEXT.test(inner.replace(ANY_TAG, '')) ? ' ' : inner));
  text = text.replace(BLOCK_TAG, ' ').replace(ANY_TAG, '');
  return collapseWhitespace(decodeEntities(text));
}

/** REFERENCE §1 step 1: `Text0` (title + ". " + HTML body) → `Text`. */
export function cleanText(text0: string): string {
  return htmlToText(text0).toLowerCase();
}

/** Plain (non-HTML) text such as customer questions: lowercase, whitespace collapsed. */
export function normalizeText(text: string): string {
  return collapseWhitespace(text).toLowerCase();
}

/**
 * The title of a Stack Exchange `Text0` (`Title + ". " + HTML body`), for display: the text
 * before the first ". " that is followed by the body's first tag, as plain text.
 */
export function titleOf(text0: string): string {
  const m = /\.\s+</.exec(text0);
  const title = htmlToText(m ? text0.slice(0, m.index) : text0);
  return title || htmlToText(text0).slice(0, 200);
}
