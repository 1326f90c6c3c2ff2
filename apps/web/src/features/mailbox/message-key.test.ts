import { describe, expect, it } from 'vitest';
import { groupByFolder, messageKey, parseKey } from './message-key';

describe('message keys', () => {
  it('round-trip a folder and a UID', () => {
    expect(parseKey(messageKey('SU5CT1g', 42))).toEqual({ mailboxId: 'SU5CT1g', uid: 42 });
  });
  it('group UIDs by folder, keeping their order', () => {
    const keys = [messageKey('a', 3), messageKey('b', 3), messageKey('a', 1)];
    expect([...groupByFolder(keys)]).toEqual([
      ['a', [3, 1]],
      ['b', [3]],
    ]);
  });
});
