import type { Mailbox } from '@westwind/contract';
import { describe, expect, it } from 'vitest';
import { planMoves } from './move-plan';

const roles: Record<string, Mailbox['role']> = {
  in: 'inbox',
  junk: 'junk',
  arc: 'archive',
  bin: 'trash',
  work: null,
};
const special = { inbox: 'in', junk: 'junk', archive: 'arc', trash: 'bin' };
const roleOf = (id: string) => roles[id];
const groups = (entries: [string, number[]][]) => new Map(entries);

describe('planMoves', () => {
  it('sends one move per source folder', () => {
    const plans = planMoves(
      'archive',
      groups([
        ['in', [1, 2]],
        ['work', [7]],
      ]),
      roleOf,
      special,
    );
    expect(plans).toEqual([
      { source: 'in', uids: [1, 2], target: 'arc', action: 'move', permanent: false },
      { source: 'work', uids: [7], target: 'arc', action: 'move', permanent: false },
    ]);
  });
  it('leaves out folders whose messages are already there', () => {
    expect(planMoves('archive', groups([['arc', [3]]]), roleOf, special)).toEqual([]);
    expect(planMoves('move', groups([['work', [3]]]), roleOf, special, 'work')).toEqual([]);
  });
  it('moves spam to Junk, and out of Junk back to the Inbox', () => {
    const plans = planMoves(
      'spam',
      groups([
        ['in', [1]],
        ['junk', [9]],
      ]),
      roleOf,
      special,
    );
    expect(plans.map((p) => [p.source, p.target])).toEqual([
      ['in', 'junk'],
      ['junk', 'in'],
    ]);
  });
  it('deletes to Trash, and for good in Trash, Junk or without a Trash', () => {
    const plans = planMoves(
      'delete',
      groups([
        ['in', [1]],
        ['bin', [2]],
        ['junk', [3]],
      ]),
      roleOf,
      special,
    );
    expect(plans.map((p) => [p.source, p.action, p.permanent])).toEqual([
      ['in', 'delete', false],
      ['bin', 'delete', true],
      ['junk', 'delete', true],
    ]);
    const noTrash = planMoves('delete', groups([['in', [1]]]), roleOf, { inbox: 'in' });
    expect(noTrash[0]?.permanent).toBe(true);
  });
});
