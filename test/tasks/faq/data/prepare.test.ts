import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPrepared, runPrepare } from '../../../../src/tasks/faq/data/prepare.js';

const long = (s: string): string => `${s}. <p>${'some words about the question '.repeat(3)}</p>`;

let dir: string;

/** A hand-made set in the reference's three-file format, with malformed rows on known lines. */
async function writeTsvSet(d: string): Promise<void> {
  const orig = [
    `1\t101\t${long('How do closures work?')}\t2010-01-01`, // 1
    `2\t102\t${long('What is <b>this</b>?')}\t2010-01-02`, // 2
    `3\t103\t${long('Original without an answer')}\t`, // 3
    `4\t104\t${long('Original without duplicates')}\t`, // 4
    `x\t105\t${long('bad id')}\t`, // 5: non-integer id
    `6\t106\tonly three columns`, // 6: wrong column count
    `7\t107\t<p></p>\t`, // 7: empty after cleaning
    `1\t108\t${long('Repeated id')}\t`, // 8: repeated id, dropped
  ];
  const dup = [
    ...[11, 12, 13, 14, 15, 16].map((id) => `${id}\t101\t${long(`Closure question ${id}`)}\t2011`), // 1-6
    ...[21, 22, 23].map((id) => `${id}\t102\t${long(`This question ${id}`)}\t2011`), // 7-9
    `2\t101\t${long('I am also an original')}\t`, // 10: id of an original
    `11\t102\t${long('Repeated duplicate id')}\t`, // 11: repeated id
    `17\t101\tshort\t`, // 12: shorter than min_text
    `31\t103\t${long('Duplicate of the unanswered')}\t`, // 13
    '', // 14: blank line, ignored
    `32\t101\t${long('after a blank line')}\t`, // 15
  ].join('\n');
  const dupBytes = Buffer.concat([
    Buffer.from(`${dup}\n`),
    Buffer.from('33\t101\tbad '),
    Buffer.from([0xff, 0xfe]),
    Buffer.from(' bytes\t\n'), // 16: invalid UTF-8
  ]);
  const ans = `${['101\tUse a <b>closure</b> &amp; more', '102\tIt depends', '104\tAnswer four', '107\tAnswer seven', 'abc\tbad id'].join('\r\n')}\r\n`;
  await writeFile(join(d, 'orig-q.tsv'), `${orig.join('\n')}\n`);
  await writeFile(join(d, 'dup-q.tsv'), dupBytes);
  await writeFile(join(d, 'ans.tsv.gz'), gzipSync(ans));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rts-faq-prepare-'));
  await writeTsvSet(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('runPrepare on the reference three-file format', () => {
  it('reports malformed rows with file and line, applies steps 2–6 and writes the prepared set', async () => {
    const lines: string[] = [];
    const out = join(dir, 'prepared');
    const set = await runPrepare({ dataset: 'faq', input: dir, out, minText: 40, minDupes: 2, testSize: 0.21, seed: 42, print: (l) => lines.push(l) });

    expect(set.stats.problems).toEqual([
      { file: 'orig-q.tsv', line: 5, reason: expect.stringContaining('not an integer id') },
      { file: 'orig-q.tsv', line: 6, reason: 'expected 4 tab-separated columns, found 3' },
      { file: 'dup-q.tsv', line: 16, reason: 'invalid UTF-8' },
      { file: 'ans.tsv.gz', line: 5, reason: expect.stringContaining('not an integer id') },
    ]);
    expect(lines.some((l) => l.includes('dup-q.tsv:16: invalid UTF-8'))).toBe(true);

    const counts = Object.fromEntries(set.stats.steps.map((s) => [s.step.split(' (')[0], [s.originals, s.duplicates, s.answers]]));
    expect(counts['read and cleaned']).toEqual([6, 14, 4]);
    expect(counts['2. dropped rows with empty text']).toEqual([5, 14, 4]);
    expect(counts['2. dropped duplicates whose id is also an original']).toEqual([5, 13, 4]);
    expect(counts['2. dropped repeated ids']).toEqual([4, 12, 4]);
    // 103 has no answer, 104 no duplicates; answers of dropped originals go too.
    expect(counts['3. kept originals with an answer and duplicates']).toEqual([2, 11, 2]);
    expect(counts['4. kept texts of length >= 40']).toEqual([2, 10, 2]);
    expect(counts['5. kept originals with >= 2 duplicates']).toEqual([2, 10, 2]);

    expect(set.originals.map((o) => [o.id, o.answerId, o.question])).toEqual([
      [1, 101, 'How do closures work?'],
      [2, 102, 'What is this?'],
    ]);
    expect(set.originals[0]!.answer).toBe('Use a closure & more');
    expect(set.originals[1]!.text.startsWith('what is this?. some words')).toBe(true);
    // 101 has 7 duplicates → floor(7 × 0.21) = 1 to test; 102 has 3 → max(1, 0) = 1.
    expect(set.test.filter((q) => q.answerId === 101)).toHaveLength(1);
    expect(set.test.filter((q) => q.answerId === 102)).toHaveLength(1);
    expect(set.train).toHaveLength(8);
    expect(set.stats.largestClass).toEqual({ answerId: 101, count: 7, share: 0.7 });
    expect(set.stats.dupesPerOriginal).toMatchObject({ count: 2, min: 3, max: 7, mean: 5 });
    expect(lines.some((l) => l.startsWith('largest class: 101 with 7 duplicates (70.00%)'))).toBe(true);

    // Written and read back.
    const again = await readPrepared(out);
    expect(again.originals).toEqual(set.originals);
    expect(again.test).toEqual(set.test);
    expect(again.train).toEqual(set.train);
    expect(JSON.parse(await readFile(join(out, 'stats.json'), 'utf8')).params).toEqual({ minText: 40, minDupes: 2, testSize: 0.21, seed: 42 });
  });

  it('min_dupes removes small classes, and the same seed gives the same split', async () => {
    const a = await runPrepare({ dataset: 'faq', input: dir, out: false, minText: 40, minDupes: 4 });
    expect(a.originals.map((o) => o.id)).toEqual([1]);
    const b = await runPrepare({ dataset: 'faq', input: dir, out: false, minText: 40, minDupes: 4 });
    expect(b.test).toEqual(a.test);
  });

  it('rejects bad parameters and a folder without the files', async () => {
    await expect(runPrepare({ dataset: 'faq', input: dir, out: false, testSize: 1.5 })).rejects.toMatchObject({ code: 'RTS_ERR_INVALID_INPUT' });
    await expect(runPrepare({ dataset: 'faq', input: join(dir, 'nope'), out: false })).rejects.toThrow(/orig-q\.tsv/);
  });
});

describe('runPrepare on a labelled-questions set (text,category CSV)', () => {
  it('reads faqs.json and the CSV, reports malformed records, and splits per intent', async () => {
    const d = await mkdtemp(join(tmpdir(), 'rts-faq-labelled-'));
    try {
      await writeFile(
        join(d, 'faqs.json'),
        JSON.stringify([
          { id: 'card_arrival', question: 'When will my card arrive?', answer: 'Soon.' },
          { id: 'lost_card', question: 'I lost my card', answer: 'Freeze it.' },
        ]),
      );
      const rows = ['text,category'];
      for (let i = 0; i < 10; i++) rows.push(`"Where is my card, number ${i}?",card_arrival`);
      for (let i = 0; i < 5; i++) rows.push(`I lost my card ${i},lost_card`);
      rows.push('three,fields,here'); // line 17
      rows.push('"unknown intent",other');
      await writeFile(join(d, 'train.csv'), `${rows.join('\n')}\n`);
      const set = await runPrepare({ dataset: 'banking77', input: d, out: false });
      expect(set.stats.problems).toEqual([{ file: 'train.csv', line: 17, reason: 'expected 2 fields (text,category), found 3' }]);
      expect(set.originals.map((o) => [o.id, o.question, o.answer])).toEqual([
        ['card_arrival', 'When will my card arrive?', 'Soon.'],
        ['lost_card', 'I lost my card', 'Freeze it.'],
      ]);
      expect(set.test.filter((q) => q.answerId === 'card_arrival')).toHaveLength(2); // floor(10 × 0.21)
      expect(set.test.filter((q) => q.answerId === 'lost_card')).toHaveLength(1); // floor(5 × 0.21) = 1
      expect(set.train).toHaveLength(12);
      expect([...set.train, ...set.test].find((q) => q.id === 1)!.text).toBe('where is my card, number 0?');
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  });

  it('prepares the shipped BANKING77 set (10,003 questions, 77 FAQs)', async () => {
    const set = await runPrepare({ dataset: 'banking77', out: false });
    expect(set.originals).toHaveLength(77);
    expect(set.stats.problemCount).toBe(0);
    expect(set.train.length + set.test.length).toBe(10_003);
  });

  it('prepares the shipped travel set with the documented counts', async () => {
    const set = await runPrepare({ dataset: 'faq', out: false });
    expect(set.stats.steps[0]).toMatchObject({ originals: 508, duplicates: 1080, answers: 508 });
    expect(set.originals).toHaveLength(24);
    expect(set.train.length + set.test.length).toBe(430);
    const ref = await runPrepare({ dataset: 'faq', out: false, minDupes: 12 });
    // SOURCE.md: with min_text 150 and min_dupes 12, 10 originals and 333 duplicates.
    expect([ref.originals.length, ref.train.length + ref.test.length]).toEqual([10, 333]);
  });
});
