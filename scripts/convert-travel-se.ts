/**
 * Convert the travel.stackexchange.com duplicate pairs (../shared/data/travel-se-dups,
 * see its SOURCE.md) into the reference's three-file FAQ format:
 *
 *   orig-q.tsv.gz  Id, AnswerId, Text0, CreationDate   (AnswerId = the original's own id)
 *   dup-q.tsv.gz   Id, AnswerId, Text0, CreationDate   (AnswerId = the root original's id)
 *   ans.tsv.gz     Id, Text0                            (the original's Text0 stands in for the answer)
 *
 * Mapping (SOURCE.md): only pairs whose (PostId, RelatedPostId) is a PostLinks row with
 * LinkTypeId=3 are duplicates; a duplicate with several originals keeps its earliest link;
 * chains (an original that is itself a duplicate) are followed up to the root.
 *
 * Run once; the output is shipped in data/travel-se-dups:
 *   npx tsx scripts/convert-travel-se.ts --in ../shared/data/travel-se-dups --out data/travel-se-dups
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

interface Post {
  id: number;
  title: string;
  body: string;
}
interface Link {
  linkId: number;
  created: string;
  postId: number;
  relatedId: number;
}

/** Tabs, CR and LF inside a field would break the TSV: fold them to spaces. */
function field(text: string): string {
  return text.replace(/[\t\r\n]+/g, ' ');
}

function readPairsFile(path: string): Post[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line, i) => {
    const parts = line.split('\t');
    if (parts.length !== 3 || !/^\d+$/.test(parts[0]!)) {
      throw new Error(`${path}:${i + 1}: expected Id<TAB>Title<TAB>Body`);
    }
    return { id: Number(parts[0]), title: parts[1]!, body: parts[2]! };
  });
}

function attr(row: string, name: string): string {
  const m = new RegExp(`\\b${name}="([^"]*)"`).exec(row);
  if (!m) throw new Error(`PostLinks row without ${name}: ${row}`);
  return m[1]!;
}

function readDuplicateLinks(path: string): Link[] {
  const xml = readFileSync(path, 'utf8');
  const links: Link[] = [];
  for (const m of xml.matchAll(/<row\b[^>]*\/>/g)) {
    const row = m[0];
    if (attr(row, 'LinkTypeId') !== '3') continue;
    links.push({
      linkId: Number(attr(row, 'Id')),
      created: attr(row, 'CreationDate'),
      postId: Number(attr(row, 'PostId')),
      relatedId: Number(attr(row, 'RelatedPostId')),
    });
  }
  return links;
}

const text0 = (p: Post): string => field(`${p.title}. ${p.body}`);
const gz = (rows: string[][]): Buffer => gzipSync(rows.map((r) => `${r.join('\t')}\n`).join(''), { level: 9 });

function main(): void {
  const { values } = parseArgs({
    options: { in: { type: 'string' }, out: { type: 'string' } },
  });
  const inDir = values.in ?? '../shared/data/travel-se-dups';
  const outDir = values.out ?? 'data/travel-se-dups';

  const queries = readPairsFile(join(inDir, 'question_queries.txt'));
  const results = readPairsFile(join(inDir, 'question_results.txt'));
  if (queries.length !== results.length) throw new Error('queries and results differ in length');

  const posts = new Map<number, Post>();
  for (const p of [...queries, ...results]) if (!posts.has(p.id)) posts.set(p.id, p);

  const pairKeys = new Set(queries.map((q, i) => `${q.id}>${results[i]!.id}`));
  const dupLinks = readDuplicateLinks(join(inDir, 'PostLinks.xml')).filter((l) => pairKeys.has(`${l.postId}>${l.relatedId}`));

  // Earliest link per duplicate. All 60 duplicates with several originals were closed
  // against them in one action (same CreationDate), so a tie-break is needed: the
  // RelatedPostId compared as text. It is arbitrary but fixed, and reproduces the counts
  // in SOURCE.md exactly (508 originals; 24/438, 15/386, 10/340 at min_dupes 5/8/12).
  const earlier = (a: Link, b: Link): boolean => (a.created !== b.created ? a.created < b.created : String(a.relatedId) < String(b.relatedId));
  const parent = new Map<number, Link>();
  for (const l of dupLinks) {
    const cur = parent.get(l.postId);
    if (!cur || earlier(l, cur)) parent.set(l.postId, l);
  }

  // Follow chains to the root; a cycle (A dup of B dup of A) is cut where it closes.
  const root = (id: number): number => {
    const seen = new Set<number>([id]);
    let cur = id;
    for (;;) {
      const next = parent.get(cur)?.relatedId;
      if (next === undefined || seen.has(next)) return cur;
      seen.add(next);
      cur = next;
    }
  };

  const dupRows: string[][] = [];
  const roots = new Set<number>();
  for (const [id, link] of [...parent].sort((a, b) => a[0] - b[0])) {
    const r = root(id);
    if (r === id) continue; // the top of a cycle acts as the root
    roots.add(r);
    dupRows.push([String(id), String(r), text0(posts.get(id)!), link.created]);
  }
  const origIds = [...roots].sort((a, b) => a - b);
  const origRows = origIds.map((id) => [String(id), String(id), text0(posts.get(id)!), '']);
  const ansRows = origIds.map((id) => [String(id), text0(posts.get(id)!)]);

  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'orig-q.tsv.gz'), gz(origRows));
  writeFileSync(join(outDir, 'dup-q.tsv.gz'), gz(dupRows));
  writeFileSync(join(outDir, 'ans.tsv.gz'), gz(ansRows));
  const perOriginal = new Map<number, number>();
  for (const r of dupRows) perOriginal.set(Number(r[1]), (perOriginal.get(Number(r[1])) ?? 0) + 1);
  const linksPerDup = new Map<number, number>();
  for (const l of dupLinks) linksPerDup.set(l.postId, (linksPerDup.get(l.postId) ?? 0) + 1);
  console.log(
    `pairs: ${queries.length}, duplicate pairs (LinkTypeId=3): ${dupLinks.length}, ` +
      `duplicates with several originals: ${[...linksPerDup.values()].filter((n) => n > 1).length}`,
  );
  for (const min of [1, 5, 8, 12]) {
    const kept = [...perOriginal.values()].filter((n) => n >= min);
    console.log(`  min duplicates ${min}: ${kept.length} originals, ${kept.reduce((a, b) => a + b, 0)} duplicates`);
  }
  console.log(`wrote ${origRows.length} originals, ${dupRows.length} duplicates, ${ansRows.length} answers to ${outDir}`);
}

main();
