import type { Mailbox } from '@westwind/contract';
import { describe, expect, it } from 'vitest';
import { buildFolderRows } from './folder-tree';

function mailbox(path: string, role: Mailbox['role'] = null): Mailbox {
  const parts = path.split('/');
  return {
    id: path,
    path,
    name: parts.at(-1) ?? path,
    parentId: parts.length > 1 ? parts.slice(0, -1).join('/') : null,
    delimiter: '/',
    role,
    subscribed: true,
    selectable: true,
    total: 0,
    unread: 0,
  };
}

const all = [
  mailbox('Zeta'),
  mailbox('Trash', 'trash'),
  mailbox('Projects/Beta'),
  mailbox('Projects'),
  mailbox('INBOX', 'inbox'),
  mailbox('Projects/Alpha'),
  mailbox('Projects/Alpha/Specs'),
  mailbox('Sent Items', 'sent'),
  mailbox('Orphan/Child'),
];

describe('buildFolderRows', () => {
  it('puts special-use folders first, then the rest alphabetically, children under parents', () => {
    const rows = buildFolderRows(all, new Set());
    expect(rows.map((r) => `${'  '.repeat(r.depth)}${r.label}`)).toEqual([
      'Inbox',
      'Sent',
      'Trash',
      'Child',
      'Projects',
      '  Alpha',
      '    Specs',
      '  Beta',
      'Zeta',
    ]);
    expect(rows.find((r) => r.label === 'Projects')).toMatchObject({ hasChildren: true, expanded: true });
    expect(rows.find((r) => r.label === 'Zeta')).toMatchObject({ hasChildren: false, expanded: false });
  });

  it('hides the children of collapsed folders', () => {
    const rows = buildFolderRows(all, new Set(['Projects/Alpha']));
    expect(rows.map((r) => r.label)).toContain('Alpha');
    expect(rows.map((r) => r.label)).not.toContain('Specs');
    expect(rows.find((r) => r.label === 'Alpha')).toMatchObject({ hasChildren: true, expanded: false });
    expect(buildFolderRows(all, new Set(['Projects'])).map((r) => r.label)).not.toContain('Beta');
  });
});
