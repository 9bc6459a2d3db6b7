/**
 * Plain-text tables in Markdown syntax: readable on a terminal and pasted as
 * they are into docs/benchmarks.md.
 */
export type Align = 'left' | 'right';

export interface TableOptions {
  /** Per column (missing ones: left for the first column, right for the others, which hold numbers). */
  align?: Align[];
}

export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[], options: TableOptions = {}): string {
  const columns = headers.length;
  for (const [i, row] of rows.entries()) {
    if (row.length !== columns) throw new Error(`table row ${i} has ${row.length} cells, expected ${columns}`);
  }
  const align = headers.map((_, i) => options.align?.[i] ?? (i === 0 ? 'left' : 'right'));
  const head = headers.map(escapeCell);
  const body = rows.map((r) => r.map(escapeCell));
  const widths = head.map((h, i) => Math.max(3, width(h), ...body.map((r) => width(r[i]!))));
  const pad = (cell: string, i: number) => {
    const fill = ' '.repeat(widths[i]! - width(cell));
    return align[i] === 'right' ? fill + cell : cell + fill;
  };
  const line = (cells: readonly string[]) => `| ${cells.map(pad).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (align[i] === 'right' ? `${'-'.repeat(w + 1)}:` : `:${'-'.repeat(w + 1)}`)).join('|')}|`;
  return [line(head), rule, ...body.map(line)].join('\n');
}

/** A `|` inside a cell would split it. */
function escapeCell(cell: string): string {
  return cell.replace(/\|/g, '\\|');
}

/** Display width: code points, not UTF-16 units (so `–` and `×` count once). */
function width(cell: string): number {
  return [...cell].length;
}
