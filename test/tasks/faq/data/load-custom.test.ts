import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCustomSet } from '../../../../src/tasks/faq/data/load-custom.js';

/** A user's own questions and FAQs: read as they are, or refused with the file and line of each problem. */
let dir: string;
const FAQS = [
  { id: 'card', question: 'Where is my card?', answer: 'Cards arrive within 5 days.' },
  { id: 'pin', question: 'How do I unblock my PIN?', answer: 'At any cash machine.' },
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rts-custom-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function load(csv: string | Buffer, faqs: unknown = FAQS) {
  const questions = join(dir, 'questions.csv');
  const faqsFile = join(dir, 'faqs.json');
  await writeFile(questions, csv);
  await writeFile(faqsFile, typeof faqs === 'string' ? faqs : JSON.stringify(faqs, null, 2));
  return loadCustomSet({ questions, faqs: faqsFile });
}

const message = (p: Promise<unknown>) =>
  p.then(
    () => 'no error',
    (err: Error) => err.message,
  );

describe('loadCustomSet', () => {
  it('reads text,label rows (quoted fields, extra columns, CRLF) against the FAQ ids', async () => {
    const r = await load('id,text,label\r\n1,"my card, has it shipped?",card\r\n2,PIN blocked,pin\r\n3,"Card ""lost""",card\r\n');
    expect(r.input.duplicates).toEqual(
      [
        { id: 1, answerId: 'card', text: 'my card, has it shipped?' },
        { id: 2, answerId: 'pin', text: 'pin blocked' },
        { id: 3, answerId: 'card', text: 'card "lost"' },
      ].map((d) => ({ ...d, text: expect.stringContaining(d.text.split(' ')[0]!.toLowerCase()) })),
    );
    expect(r.input.originals.map((o) => [o.id, o.question, o.answer])).toEqual(FAQS.map((f) => [f.id, f.question, f.answer]));
  });

  it('names the missing column', async () => {
    expect(await message(load('question,label\nhi,card\n'))).toMatch(
      /questions\.csv:1: the header row has no text column \(found: question, label\); expected "text,label"/,
    );
    expect(await message(load('text,intent\nhi,card\n'))).toMatch(/questions\.csv:1: the header row has no label column/);
  });

  it('gives the line of empty labels and texts, unknown labels and wrong field counts', async () => {
    const m = await message(load('text,label\nfine,card\nno label,\n,pin\nwho,nobody\none,two,three\n'));
    expect(m).toMatch(/4 problems/);
    expect(m).toContain('questions.csv:3: empty label');
    expect(m).toContain('questions.csv:4: empty text');
    expect(m).toContain('questions.csv:5: label "nobody" is not the id of an FAQ in faqs.json');
    expect(m).toContain('questions.csv:6: expected 2 fields (text,label), found 3');
  });

  it('needs questions of at least two FAQs', async () => {
    expect(await message(load('text,label\na,card\nb,card\n'))).toMatch(/every question has the label "card"; a matcher needs questions of at least two FAQs/);
  });

  it('names the line of a badly encoded question', async () => {
    const latin1 = Buffer.concat([Buffer.from('text,label\nok,card\ncaf'), Buffer.from([0xe9]), Buffer.from(',pin\n')]);
    expect(await message(load(latin1))).toMatch(/questions\.csv:3: invalid UTF-8 \(save the file as UTF-8\)/);
  });

  it('finds duplicate FAQ ids and incomplete FAQs with their line in the FAQ file', async () => {
    const m = await message(load('text,label\na,card\nb,pin\n', [...FAQS, { id: 'card', question: 'Again?', answer: 'Yes.' }, { id: 'x', question: '' }]));
    expect(m).toMatch(/the FAQ file .*faqs\.json: 2 problems/);
    expect(m).toContain('faqs.json:12: duplicate FAQ id "card" (first used at faqs.json:2)');
    expect(m).toContain('faqs.json:17: FAQ 4 has no question, no answer');
    expect(await message(load('text,label\na,card\n', '[{"id": "a",\n "question": }]'))).toMatch(/faqs\.json(:2)?: not valid JSON/); // the line where Node's parser gives a position
  });
});
