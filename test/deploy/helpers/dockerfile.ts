/**
 * Just enough of the Dockerfile and .dockerignore formats to check rtscore's
 * images by inspection: instructions (continuations joined, comments dropped),
 * stages with their resolved base images, and the build-context filter.
 */

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  name?: string;
  /** Base image with global ARG defaults substituted. */
  from: string;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): { globalArgs: Record<string, string>; stages: Stage[] } {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && current === '')) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push((current + line).trim());
    current = '';
  }
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/s.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args: args.trim() };
    if (instruction.keyword === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (!m) throw new Error(`cannot parse FROM ${instruction.args}`);
      const from = m[1]!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => globalArgs[(a ?? b)!] ?? '');
      stages.push({ from, instructions: [], ...(m[2] ? { name: m[2] } : {}) });
    } else if (stages.length === 0) {
      if (instruction.keyword !== 'ARG') throw new Error(`${instruction.keyword} before FROM`);
      const [name, value = ''] = instruction.args.split('=', 2);
      globalArgs[name!] = value;
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

/** Sources of COPY/ADD instructions that come from the build context (not --from another stage). */
export function contextSources(stages: Stage[]): string[] {
  const out: string[] = [];
  for (const stage of stages) {
    for (const { keyword, args } of stage.instructions) {
      if (keyword !== 'COPY' && keyword !== 'ADD') continue;
      const words = args.split(/\s+/);
      if (words.some((w) => w.startsWith('--from='))) continue;
      const paths = words.filter((w) => !w.startsWith('--'));
      out.push(...paths.slice(0, -1));
    }
  }
  return out;
}

function patternRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*' && pattern[i + 1] === '*') {
      // "**/" matches any number of directories, including none.
      re += pattern[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += pattern[i + 2] === '/' ? 2 : 1;
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[' && pattern.indexOf(']', i) > i) {
      // A character class such as [0-9]; Go's [^...] negation is written [!...] too.
      const end = pattern.indexOf(']', i);
      re += `[${pattern.slice(i + 1, end).replace(/^!/, '^')}]`;
      i = end;
    } else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * Whether .dockerignore leaves `path` (relative to the context root) in the
 * build context. Docker's rule: patterns apply in order, the last one that
 * matches the path or one of its parent folders wins, `!` re-includes.
 */
export function inContext(dockerignore: string, path: string): boolean {
  const rules = dockerignore
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = (negate ? l.slice(1) : l).replace(/^\/+|\/+$/g, '');
      return { negate, re: patternRegex(pattern) };
    });
  const parts = path.replace(/\/+$/, '').split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let excluded = false;
  for (const rule of rules) {
    if (candidates.some((c) => rule.re.test(c))) excluded = !rule.negate;
  }
  return !excluded;
}
