import { describe, expect, it } from 'vitest';
import { threadGroups } from './imap-thread.js';

const atom = (value: string) => ({ type: 'ATOM', value });

describe('threadGroups', () => {
  it('reads each top-level list of a THREAD response as one group (RFC 5256 section 4)', () => {
    // * THREAD (2)(3 6 (4 23)(44 7 96))
    const attributes = [
      [atom('2')],
      [atom('3'), atom('6'), [atom('4'), atom('23')], [atom('44'), atom('7'), atom('96')]],
    ];
    expect(threadGroups(attributes)).toEqual([[2], [3, 6, 4, 23, 44, 7, 96]]);
  });

  it('ignores anything that is not a number', () => {
    expect(threadGroups([[atom('x'), atom('5')], [], [atom('NIL')]])).toEqual([[5]]);
    expect(threadGroups([])).toEqual([]);
  });
});
