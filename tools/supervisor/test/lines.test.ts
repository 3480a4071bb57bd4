import { describe, expect, test } from 'vitest';
import { recentLines, splitLines } from '../src/lines.js';

describe('Output lines', () => {
  test('When a line arrives in pieces, then it is shown once it is complete', () => {
    const lines = splitLines();
    expect(lines.push('{"msg":"a"}\n{"ms')).toEqual(['{"msg":"a"}']);
    expect(lines.push('g":"b"}\r\nrest')).toEqual(['{"msg":"b"}']);
    expect(lines.flush()).toEqual(['rest']);
    expect(lines.flush()).toEqual([]);
  });

  test('When a process writes a huge line without a break, then it is cut into bounded pieces', () => {
    const lines = splitLines(10);
    expect(lines.push('x'.repeat(25))).toEqual(['x'.repeat(10), 'x'.repeat(10)]);
    expect(lines.flush()).toEqual(['xxxxx']);
  });

  test('When more lines arrive than are kept, then only the last ones remain', () => {
    const kept = recentLines(2);
    ['a', 'b', 'c'].forEach((line) => kept.add(line));
    expect(kept.lines()).toEqual(['b', 'c']);
  });
});
