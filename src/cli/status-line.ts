/**
 * Progress on one updating line when stdout is a terminal: `update` rewrites it
 * in place (one slot per `[label]`, so parallel fits share the line), `print`
 * writes a lasting line above it. Elsewhere (a pipe, a CI log) every update is
 * a plain line of its own.
 */
export interface StatusLine {
  update(line: string): void;
  print(line: string): void;
  /** Leave the last status on screen and end the line. */
  done(): void;
}

export function statusLine(stream: NodeJS.WriteStream = process.stdout): StatusLine {
  if (!stream.isTTY) {
    const plain = (line: string) => {
      stream.write(`${line}\n`);
    };
    return { update: plain, print: plain, done: () => undefined };
  }
  const slots = new Map<string, string>();
  let shown = false;
  const render = () => {
    const text = [...slots.values()].join(' · ');
    const width = stream.columns || 120;
    stream.write(`\r\x1b[2K${text.length > width - 1 ? `${text.slice(0, width - 2)}…` : text}`);
    shown = true;
  };
  const clear = () => {
    if (shown) stream.write('\r\x1b[2K');
    shown = false;
  };
  return {
    update(line) {
      const label = /^\[([^\]]+)\]/.exec(line)?.[1] ?? '';
      slots.set(label, line);
      render();
    },
    print(line) {
      clear();
      stream.write(`${line}\n`);
      if (slots.size) render();
    },
    done() {
      if (shown) stream.write('\n');
      shown = false;
      slots.clear();
    },
  };
}
