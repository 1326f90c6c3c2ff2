import { describe, expect, it } from 'vitest';
import { buildFolders, type ListedEntry } from './folders.js';
import { deleteRefusal, renameRefusal } from './policy.js';

const entry = (path: string, flags: string[] = []): ListedEntry => ({
  path,
  delimiter: '/',
  flags: new Set(flags),
});
const folders = buildFolders(
  [
    entry('INBOX'),
    entry('INBOX/child'),
    entry('Sent', ['\\Sent']),
    entry('Work'),
    entry('Work/Sent mail', ['\\Sent']),
    entry('Projects'),
    entry('Projects/Westwind'),
    entry('Plain'),
  ],
  { guessRolesFromNames: false },
);
const get = (path: string) => folders.find((f) => f.path === path)!;

describe('renameRefusal', () => {
  it('refuses INBOX and special-use folders', () => {
    expect(renameRefusal(get('INBOX'), folders)).toBe('The Inbox cannot be renamed or moved');
    expect(renameRefusal(get('Sent'), folders)).toBe(
      '"Sent" is the Sent folder and cannot be renamed or moved',
    );
  });

  it('refuses a folder that contains a special-use folder', () => {
    expect(renameRefusal(get('Work'), folders)).toMatch(/contains the Sent folder "Work\/Sent mail"/);
  });

  it('allows ordinary folders, with or without subfolders, and subfolders of INBOX', () => {
    expect(renameRefusal(get('Projects'), folders)).toBeNull();
    expect(renameRefusal(get('Plain'), folders)).toBeNull();
    expect(renameRefusal(get('INBOX/child'), folders)).toBeNull();
  });
});

describe('deleteRefusal', () => {
  it('refuses INBOX and special-use folders', () => {
    expect(deleteRefusal(get('INBOX'), folders)).toBe('The Inbox cannot be deleted');
    expect(deleteRefusal(get('Work/Sent mail'), folders)).toMatch(/is the Sent folder and cannot be deleted/);
  });

  it('refuses a folder with subfolders', () => {
    expect(deleteRefusal(get('Projects'), folders)).toBe(
      '"Projects" has subfolders; delete or move them first',
    );
  });

  it('allows an ordinary leaf folder', () => {
    expect(deleteRefusal(get('Projects/Westwind'), folders)).toBeNull();
    expect(deleteRefusal(get('Plain'), folders)).toBeNull();
  });
});
