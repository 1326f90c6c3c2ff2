import { describe, expect, it } from 'vitest';
import {
  buildFolders,
  compareNames,
  descendantsOf,
  type ListedEntry,
  roleOf,
  specialUseAttribute,
  toMailbox,
} from './folders.js';
import { mailboxIdOf } from './mailbox-id.js';

function entry(path: string, flags: string[] = [], extra: Partial<ListedEntry> = {}): ListedEntry {
  return {
    path,
    delimiter: '/',
    flags: new Set(flags),
    subscribed: true,
    status: { messages: 3, unseen: 1 },
    ...extra,
  };
}

const labelled = { guessRolesFromNames: false };

describe('roles', () => {
  it('come from special-use attributes, and INBOX by its name', () => {
    expect(roleOf(entry('INBOX'), labelled)).toBe('inbox');
    expect(roleOf(entry('Gesendet', ['\\HasNoChildren', '\\Sent']), labelled)).toBe('sent');
    expect(roleOf(entry('Papierkorb', ['\\Trash']), labelled)).toBe('trash');
    expect(roleOf(entry('Spam', ['\\junk']), labelled)).toBe('junk');
    expect(roleOf(entry('All Mail', ['\\All']), labelled)).toBeNull();
  });

  it('ignore name guesses where the server labels its folders', () => {
    const ownArchive = entry('Archive', [], { specialUse: '\\Archive' });
    expect(roleOf(ownArchive, labelled)).toBeNull();
    expect(roleOf(ownArchive, { guessRolesFromNames: true })).toBe('archive');
  });

  it('finds the special-use attribute among other flags', () => {
    expect(specialUseAttribute(new Set(['\\HasNoChildren', '\\Drafts']))).toBe('\\drafts');
    expect(specialUseAttribute(new Set(['\\HasChildren']))).toBeNull();
  });
});

describe('buildFolders', () => {
  const listing = [
    entry('folder 10'),
    entry('Trash', ['\\Trash']),
    entry('Projects/Westwind/Design'),
    entry('INBOX', ['\\HasChildren']),
    entry('Projects', ['\\HasChildren']),
    entry('Sent', ['\\Sent']),
    entry('Projects/Westwind', ['\\HasChildren']),
    entry('archive-old'),
    entry('Junk', ['\\Junk']),
    entry('Archive', ['\\Archive']),
    entry('Folder 2'),
    entry('Drafts', ['\\Drafts']),
    entry('INBOX/child'),
    entry('Reçus'),
    entry('apple'),
  ];

  it('orders Inbox, Drafts, Sent, Archive, Junk, Trash first, then naturally and case-insensitively, each folder followed by its subfolders', () => {
    expect(buildFolders(listing, labelled).map((f) => f.path)).toEqual([
      'INBOX',
      'INBOX/child',
      'Drafts',
      'Sent',
      'Archive',
      'Junk',
      'Trash',
      'apple',
      'archive-old',
      'Folder 2',
      'folder 10',
      'Projects',
      'Projects/Westwind',
      'Projects/Westwind/Design',
      'Reçus',
    ]);
  });

  it('links each folder to its parent by id and names it by its last segment', () => {
    const folders = buildFolders(listing, labelled);
    const design = folders.find((f) => f.path === 'Projects/Westwind/Design')!;
    expect(design.name).toBe('Design');
    expect(design.parentId).toBe(mailboxIdOf('Projects/Westwind'));
    expect(design.id).toBe(mailboxIdOf('Projects/Westwind/Design'));
    expect(folders.find((f) => f.path === 'Projects')!.parentId).toBeNull();
    const ids = new Set(folders.map((f) => f.id));
    for (const folder of folders) if (folder.parentId) expect(ids).toContain(folder.parentId);
  });

  it('marks \\Noselect and \\NonExistent folders as not selectable and placeholders as not existing', () => {
    const folders = buildFolders(
      [
        entry('Shared', ['\\Noselect', '\\HasChildren'], { status: undefined }),
        entry('Gone', ['\\NonExistent', '\\HasChildren', '\\Noselect'], { subscribed: false }),
        entry('Gone/child'),
      ],
      labelled,
    );
    const byPath = new Map(folders.map((f) => [f.path, f]));
    expect(byPath.get('Shared')).toMatchObject({ selectable: false, exists: true, total: 0, unread: 0 });
    expect(byPath.get('Gone')).toMatchObject({ selectable: false, exists: false });
    expect(byPath.get('Gone/child')).toMatchObject({ selectable: true, exists: true, total: 3, unread: 1 });
  });

  it('adds placeholders for parents the listing left out', () => {
    const folders = buildFolders([entry('a/b/c')], labelled);
    expect(folders.map((f) => [f.path, f.exists, f.selectable])).toEqual([
      ['a', false, false],
      ['a/b', false, false],
      ['a/b/c', true, true],
    ]);
  });

  it('reports subscription, counts and the delimiter; bad counts become 0', () => {
    const [folder] = buildFolders(
      [entry('x', [], { subscribed: undefined, status: { messages: -1, unseen: Number.NaN } })],
      labelled,
    );
    expect(folder).toMatchObject({ subscribed: false, total: 0, unread: 0, delimiter: '/' });
  });

  it('handles a flat namespace and another delimiter', () => {
    const flat = buildFolders(
      [entry('a.b', [], { delimiter: null }), entry('INBOX', [], { delimiter: '' })],
      labelled,
    );
    expect(flat.map((f) => [f.path, f.parentId, f.canHaveChildren])).toEqual([
      ['INBOX', null, false],
      ['a.b', null, false],
    ]);
    const dotted = buildFolders(
      [entry('INBOX', [], { delimiter: '.' }), entry('INBOX.Sent', ['\\Sent'], { delimiter: '.' })],
      labelled,
    );
    expect(dotted[1]).toMatchObject({ name: 'Sent', parentId: mailboxIdOf('INBOX'), role: 'sent' });
  });

  it('keeps special-use attributes without a role (\\All) so they stay protected', () => {
    const [all] = buildFolders([entry('[Gmail]/All Mail', ['\\All'])], labelled).slice(1);
    expect(all).toMatchObject({ role: null, specialUse: '\\all' });
  });

  it('lists the descendants of a folder', () => {
    const folders = buildFolders(listing, labelled);
    const projects = folders.find((f) => f.path === 'Projects')!;
    expect(descendantsOf(projects, folders).map((f) => f.path)).toEqual([
      'Projects/Westwind',
      'Projects/Westwind/Design',
    ]);
  });

  it('gives the API exactly the contract fields', () => {
    const [inbox] = buildFolders([entry('INBOX')], labelled);
    expect(Object.keys(toMailbox(inbox!)).sort()).toEqual(
      [
        'delimiter',
        'id',
        'name',
        'parentId',
        'path',
        'role',
        'selectable',
        'subscribed',
        'total',
        'unread',
      ].sort(),
    );
  });
});

describe('compareNames', () => {
  it('is natural and case-insensitive, with a stable tie-break', () => {
    expect(['b', 'A10', 'a2', 'B'].sort(compareNames)).toEqual(['a2', 'A10', 'B', 'b']);
  });
});
