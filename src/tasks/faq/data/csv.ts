/**
 * A small RFC 4180 CSV parser: comma-separated fields, fields optionally enclosed in double
 * quotes, `""` inside a quoted field is one quote, quoted fields may hold commas and line
 * breaks; records end with LF or CRLF. Returns the records with the 1-based line on which
 * each starts, and problems (an unterminated quote, text after a closing quote) by line.
 */
export interface CsvRecord {
  fields: string[];
  line: number;
}

export interface CsvResult {
  records: CsvRecord[];
  problems: { line: number; reason: string }[];
}

export function parseCsv(text: string): CsvResult {
  const records: CsvRecord[] = [];
  const problems: CsvResult['problems'] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // byte-order mark
  let line = 1;
  const n = text.length;

  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    let broken: string | undefined;
    for (;;) {
      let value = '';
      if (text[i] === '"') {
        i++;
        let closed = false;
        while (i < n) {
          const ch = text[i]!;
          if (ch === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (ch === '\n') line++;
          value += ch;
          i++;
        }
        if (!closed) broken = 'unterminated quoted field';
        else if (i < n && text[i] !== ',' && text[i] !== '\n' && !(text[i] === '\r' && text[i + 1] === '\n')) {
          broken = 'unexpected text after a closing quote';
          // Skip to the end of the line so parsing resumes at the next record.
          while (i < n && text[i] !== '\n') i++;
        }
      } else {
        while (i < n && text[i] !== ',' && text[i] !== '\n' && !(text[i] === '\r' && text[i + 1] === '\n')) {
          value += text[i];
          i++;
        }
      }
      fields.push(value);
      if (i < n && text[i] === ',' && broken === undefined) {
        i++;
        continue;
      }
      break;
    }
    // End of record: consume the line break.
    if (text[i] === '\r') i++;
    if (text[i] === '\n') {
      i++;
      line++;
    }
    if (broken !== undefined) problems.push({ line: startLine, reason: broken });
    else if (!(fields.length === 1 && fields[0] === '')) records.push({ fields, line: startLine });
  }
  return { records, problems };
}
