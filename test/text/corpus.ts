/** A small labelled corpus for pipeline tests: three intents, phrased from templates. */
const INTENTS: Array<{ words: string[]; frames: string[] }> = [
  {
    words: ['card', 'delivery', 'arrive', 'post', 'mail'],
    frames: ['when will my {0} {2}?', 'my {0} has not come by {3}', 'track the {1} of my {0}', 'is the {4} with my {0} late'],
  },
  {
    words: ['refund', 'money', 'back', 'return', 'charge'],
    frames: ['how do I get a {0}?', 'I want my {1} {2}', 'can you {3} the {4}', 'please {0} this {4}'],
  },
  { words: ['password', 'login', 'reset', 'account', 'locked'], frames: ['I forgot my {0}', 'cannot {1} to my {3}', 'how to {2} the {0}', 'my {3} is {4}'] },
];

export function makeCorpus(perClass: number, seed = 1): { texts: string[]; y: Int32Array } {
  let s = seed;
  const rnd = (): number => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const texts: string[] = [];
  const labels: number[] = [];
  for (let i = 0; i < perClass; i++) {
    INTENTS.forEach((intent, c) => {
      const frame = intent.frames[Math.floor(rnd() * intent.frames.length)]!;
      const filled = frame.replace(/\{(\d)\}/g, (_m, k: string) => intent.words[Number(k)]!);
      // Some noise words shared by every class.
      texts.push(rnd() < 0.5 ? `hello, ${filled} thanks` : filled);
      labels.push(c);
    });
  }
  return { texts, y: Int32Array.from(labels) };
}
