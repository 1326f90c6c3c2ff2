import { describe, expect, it } from 'vitest';
import { decodeMutf7, encodeMutf7, maildirFolderDir } from './mutf7.js';

describe('modified UTF-7 (RFC 3501 5.1.3)', () => {
  it('matches the RFC 3501 example', () => {
    expect(encodeMutf7('~peter/mail/台北/日本語')).toBe('~peter/mail/&U,BTFw-/&ZeVnLIqe-');
    expect(decodeMutf7('~peter/mail/&U,BTFw-/&ZeVnLIqe-')).toBe('~peter/mail/台北/日本語');
  });

  it('encodes Reçus, & and CJK names and round-trips them', () => {
    expect(encodeMutf7('Reçus')).toBe('Re&AOc-us');
    expect(encodeMutf7('旅行')).toBe('&ZcWITA-');
    expect(encodeMutf7('Tom & Jerry')).toBe('Tom &- Jerry');
    for (const name of [
      'Reçus',
      '旅行',
      'Tom & Jerry',
      'Привет мир',
      'Émojis 🎉 ok',
      '日本語/Ünïcödé',
      '&&',
      '',
    ]) {
      expect(decodeMutf7(encodeMutf7(name))).toBe(name);
    }
  });

  it('rejects malformed input', () => {
    expect(() => decodeMutf7('&U,BTFw')).toThrow();
    expect(() => decodeMutf7('&U*-')).toThrow();
  });

  it('maps IMAP folder names to Maildir++ directories', () => {
    expect(maildirFolderDir('INBOX')).toBe('');
    expect(maildirFolderDir('inbox')).toBe('');
    expect(maildirFolderDir('Archive/2025')).toBe('.Archive.2025');
    expect(maildirFolderDir('Projects/Westwind/Design')).toBe('.Projects.Westwind.Design');
    expect(maildirFolderDir('Reçus')).toBe('.Re&AOc-us');
    expect(() => maildirFolderDir('a.b')).toThrow();
    expect(() => maildirFolderDir('a//b')).toThrow();
  });
});
