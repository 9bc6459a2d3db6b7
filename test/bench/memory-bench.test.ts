import { describe, expect, it } from 'vitest';
import { MEMORY_GOAL_MB, type MemoryRun, memoryGoalLine, memoryTable } from '../../bench/memory.js';

/** The memory benchmark's report (its runs need the default models: `npm run bench -- memory`). */
describe('memory benchmark report', () => {
  const runs: MemoryRun[] = [
    {
      allocator: 'container (MALLOC_MMAP_THRESHOLD_=131072)',
      env: { MALLOC_MMAP_THRESHOLD_: '131072' },
      readyMB: 537.4,
      warmMB: 578.2,
      peakMB: 722,
      loadSeconds: 9.41,
    },
    { allocator: 'glibc defaults', env: {}, readyMB: 940, warmMB: 996.4, peakMB: 996.4, loadSeconds: 5.6 },
  ];

  it('tabulates each allocator and states the goal', () => {
    const table = memoryTable(runs).split('\n');
    expect(table.find((l) => l.startsWith('| container'))).toMatch(/\| +537 \| +578 \| +722 \| +9\.4 \|$/);
    expect(memoryGoalLine(runs)).toBe(
      `RSS after warm-up: 578 MB (container (MALLOC_MMAP_THRESHOLD_=131072)), 996 MB (glibc defaults); goal ≤ ${MEMORY_GOAL_MB} MB with the default models`,
    );
  });
});
