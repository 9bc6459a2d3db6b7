import { describe, expect, it } from 'vitest';
import { statusLine } from '../../src/cli/status-line.js';

/** A fake output stream: what was written, and whether it claims to be a terminal. */
function stream(isTTY: boolean) {
  const written: string[] = [];
  return {
    written,
    s: {
      isTTY,
      columns: 60,
      write: (chunk: string) => {
        written.push(chunk);
        return true;
      },
    } as unknown as NodeJS.WriteStream,
  };
}

describe('statusLine', () => {
  it('writes plain lines when the output is not a terminal', () => {
    const { written, s } = stream(false);
    const status = statusLine(s);
    status.update('[final] epoch 1/8: loss 1.0, elapsed 0:01, ETA 0:07');
    status.print('test: done');
    status.done();
    expect(written).toEqual(['[final] epoch 1/8: loss 1.0, elapsed 0:01, ETA 0:07\n', 'test: done\n']);
  });

  it('rewrites one line in a terminal, one slot per [label], lasting lines above it', () => {
    const { written, s } = stream(true);
    const status = statusLine(s);
    status.update('[final] epoch 1/8');
    status.update('[validation] epoch 1/8');
    status.update('[final] epoch 2/8');
    status.print('[final] fitted');
    status.done();
    expect(written).toEqual([
      '\r\x1b[2K[final] epoch 1/8',
      '\r\x1b[2K[final] epoch 1/8 · [validation] epoch 1/8',
      '\r\x1b[2K[final] epoch 2/8 · [validation] epoch 1/8',
      '\r\x1b[2K',
      '[final] fitted\n',
      '\r\x1b[2K[final] epoch 2/8 · [validation] epoch 1/8',
      '\n',
    ]);
  });

  it('cuts a status longer than the terminal is wide', () => {
    const { written, s } = stream(true);
    statusLine(s).update(`[final] ${'x'.repeat(100)}`);
    expect(written[0]!.length).toBe('\r\x1b[2K'.length + 59);
    expect(written[0]!.endsWith('…')).toBe(true);
  });
});
