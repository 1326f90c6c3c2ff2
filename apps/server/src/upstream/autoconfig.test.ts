import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAutoconfig } from './autoconfig.js';

// In the shape of a Thunderbird ISPDB entry (https://github.com/thunderbird/autoconfig).
const ISPDB_SAMPLE = readFileSync(new URL('./fixtures/ispdb-example.com.xml', import.meta.url), 'utf8');

describe('parseAutoconfig', () => {
  it('extracts IMAP and SMTP servers of an ISPDB document in preference order', () => {
    const { servers, skipped } = parseAutoconfig(ISPDB_SAMPLE, 'example.com');
    expect(skipped).toEqual([]);
    expect(servers).toEqual([
      { protocol: 'imap', host: 'imap.example.com', port: 993, tls: 'tls', username: 'address' },
      { protocol: 'imap', host: 'imap.example.com', port: 143, tls: 'starttls', username: 'address' },
      { protocol: 'smtp', host: 'smtp.example.com', port: 465, tls: 'tls', username: 'localpart' },
      { protocol: 'smtp', host: 'smtp.example.com', port: 587, tls: 'starttls', username: 'address' },
    ]);
  });

  it('skips fixed or unknown username templates, OAuth-only servers and broken blocks, saying why', () => {
    const xml = `<clientConfig version="1.1"><emailProvider id="x">
      <incomingServer type="imap"><hostname>a.example</hostname><port>993</port><socketType>SSL</socketType>
        <username>shared-mailbox</username></incomingServer>
      <incomingServer type="imap"><hostname>b.example</hostname><port>993</port><socketType>SSL</socketType>
        <username>%EMAILLOCALPART%@%EMAILDOMAIN%</username></incomingServer>
      <incomingServer type="imap"><hostname>c.example</hostname><port>993</port><socketType>SSL</socketType>
        <authentication>OAuth2</authentication><username>%EMAILADDRESS%</username></incomingServer>
      <incomingServer type="imap"><hostname>d.example</hostname><port>99999</port><socketType>SSL</socketType></incomingServer>
      <incomingServer type="imap"><hostname>%REALNAME%.example</hostname><port>993</port><socketType>SSL</socketType></incomingServer>
      <incomingServer type="imap"><hostname>e.example</hostname><port>993</port><socketType>magic</socketType></incomingServer>
      <outgoingServer type='smtp'><hostname>f.example</hostname><port>25</port><socketType>plain</socketType></outgoingServer>
    </emailProvider></clientConfig>`;
    const { servers, skipped } = parseAutoconfig(xml, 'example.org');
    // Plain text is parsed here; the discovery policy decides to refuse it.
    expect(servers).toEqual([
      { protocol: 'smtp', host: 'f.example', port: 25, tls: 'plain', username: 'address' },
    ]);
    expect(skipped).toEqual([
      expect.stringMatching(/"a.example": username template/),
      expect.stringMatching(/"b.example": username template/),
      expect.stringMatching(/"c.example": no password authentication \(oauth2\)/),
      expect.stringMatching(/"d.example": invalid port/),
      expect.stringMatching(/"%REALNAME%.example": .*placeholder/),
      expect.stringMatching(/"e.example": unknown socketType/),
    ]);
  });

  it('refuses documents with a DOCTYPE (no entity tricks) and non-autoconfig documents', () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE c [<!ENTITY h SYSTEM "file:///etc/passwd">]>
      <clientConfig><emailProvider><incomingServer type="imap"><hostname>&h;</hostname></incomingServer></emailProvider></clientConfig>`;
    expect(() => parseAutoconfig(xxe, 'example.org')).toThrow(/DOCTYPE/);
    expect(() => parseAutoconfig('<html><body>Not found</body></html>', 'example.org')).toThrow(
      /not an autoconfig/,
    );
  });

  it('decodes entities only into text, never into markup', () => {
    const xml = `<clientConfig><emailProvider><incomingServer type="imap">
      <hostname>imap&#46;example&#x2e;org</hostname><port>993</port><socketType>SSL</socketType>
      </incomingServer></emailProvider></clientConfig>`;
    expect(parseAutoconfig(xml, 'example.org').servers[0]?.host).toBe('imap.example.org');
  });
});
