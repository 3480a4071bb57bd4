import { describe, expect, test } from 'vitest';
import { DEFAULT_BACKOFF, nextRestart } from '../src/backoff.js';

describe('Restart backoff', () => {
  test('When a child crashes for the first time, then it restarts after 250 ms', () => {
    expect(nextRestart(DEFAULT_BACKOFF, 0, 2_000)).toEqual({ attempt: 1, delayMs: 250 });
  });

  test('When a child keeps crashing, then each wait doubles, up to 10 s', () => {
    const delays: number[] = [];
    let attempts = 0;
    for (let i = 0; i < 9; i++) {
      const plan = nextRestart(DEFAULT_BACKOFF, attempts, 500);
      attempts = plan.attempt;
      delays.push(plan.delayMs);
    }
    expect(delays).toEqual([250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
  });

  test('When a child crashes after staying up for 30 s, then the backoff starts over', () => {
    expect(nextRestart(DEFAULT_BACKOFF, 6, 30_000)).toEqual({ attempt: 1, delayMs: 250 });
    expect(nextRestart(DEFAULT_BACKOFF, 6, 29_999)).toEqual({ attempt: 7, delayMs: 10_000 });
  });
});
