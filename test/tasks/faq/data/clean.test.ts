import { describe, expect, it } from 'vitest';
import { cleanText, decodeEntities, htmlToText, normalizeText, titleOf } from '../../../../src/tasks/faq/data/clean.js';

describe('cleanText (REFERENCE §1 step 1)', () => {
  it('removes <pre><code> blocks, also across lines and with attributes', () => {
    expect(cleanText('Why?. <p>Look:</p><pre><code>var x = 1;\nalert(x);</code></pre><p>Fails</p>')).toBe('why?. look: fails');
    expect(cleanText('<pre class="lang-js"> <code>a < b</code> </pre>after')).toBe('after');
  });

  it('keeps inline <code> text (only code blocks go)', () => {
    expect(cleanText('<p>use <code>Array.map</code> here</p>')).toBe('use array.map here');
  });

  it('replaces a link by its text, and drops it when the text is itself a URL', () => {
    expect(cleanText('see <a href="http://x.org/a">the docs</a> now')).toBe('see the docs now');
    expect(cleanText('see <a href="http://x.org/a">http://x.org/a</a> now')).toBe('see now');
    expect(cleanText('see <a href="https://x">HTTPS://X.ORG</a>')).toBe('see');
    // Non-greedy: two links keep the text between them.
    expect(cleanText('<a href="1">one</a> and <a href="2">two</a>')).toBe('one and two');
    // Link to the original question (leakage in the travel set) goes away with its URL text.
    expect(cleanText('dup of <a href="/questions/30569">https://travel.stackexchange.com/questions/30569</a>')).toBe('dup of');
  });

  it('strips other tags, decodes entities after stripping, lowercases and collapses whitespace', () => {
    expect(cleanText('<p>A&amp;B &lt;div&gt;</p>\n\n<ul><li>X</li><li>Y</li></ul>')).toBe('a&b <div> x y');
    expect(cleanText('  <strong>Bold</strong>   Text  ')).toBe('bold text');
    expect(cleanText('<p></p>')).toBe('');
  });

  it('decodes named, decimal and hex entities and keeps unknown ones', () => {
    expect(decodeEntities('&quot;a&quot; &#39;b&#39; &#x263A; &euro;5 &nbsp;x &bogus; &#0;')).toBe('"a" \'b\' ☺ €5  x &bogus; \uFFFD');
  });

  it('htmlToText keeps case and, on request, code', () => {
    expect(htmlToText('<p>Hello <b>World</b></p><pre><code>x()</code></pre>', { dropCode: false })).toBe('Hello World x()');
    expect(htmlToText('<p>Hello</p><pre><code>x()</code></pre>')).toBe('Hello');
  });

  it('titleOf takes the title before the HTML body', () => {
    expect(titleOf('Do I need a visa?.     <p>I am travelling …</p>')).toBe('Do I need a visa?');
    expect(titleOf('Tips &amp; tricks. <p>body</p>')).toBe('Tips & tricks');
  });

  it('normalizeText only lowercases and collapses whitespace (plain text)', () => {
    expect(normalizeText('  My <card>  is\tLOST ')).toBe('my <card> is lost');
  });
});
