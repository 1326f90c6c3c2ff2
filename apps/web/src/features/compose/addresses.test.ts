import { describe, expect, it } from 'vitest';
import {
  dedupeAddresses,
  isValidAddress,
  parseAddress,
  parseAddressList,
  splitAddressList,
} from './addresses';

describe('address parsing', () => {
  it('splits pasted lists outside quotes and angle brackets', () => {
    expect(splitAddressList('a@x.test, "Doe, Jane" <jane@x.test>; b@x.test\nc@x.test')).toEqual([
      'a@x.test',
      '"Doe, Jane" <jane@x.test>',
      'b@x.test',
      'c@x.test',
    ]);
    expect(splitAddressList(' , ;\n')).toEqual([]);
  });
  it('parses names, quoted names and bare addresses', () => {
    expect(parseAddress('Jane <jane@x.test>')).toEqual({ name: 'Jane', address: 'jane@x.test' });
    expect(parseAddress('"Doe, \\"J\\"" <jane@x.test>')).toEqual({
      name: 'Doe, "J"',
      address: 'jane@x.test',
    });
    expect(parseAddress('mailto:bob@x.test')).toEqual({ name: '', address: 'bob@x.test' });
    expect(parseAddress('Evil\r\nBcc: x <e@x.test>').name).toBe('Evil Bcc: x');
  });
  it('validates addresses, including odd local parts and IDN', () => {
    for (const ok of ['a@x.test', "o'neil+tag@x.test", '"john doe"@x.test', 'ü@bücher.example']) {
      expect(isValidAddress(ok), ok).toBe(true);
    }
    for (const bad of [
      '',
      'a',
      'a@',
      '@x.test',
      'a b@x.test',
      'a@x',
      'a@x.test\r\nBcc: y@x.test',
      'a@@x.test',
    ]) {
      expect(isValidAddress(bad), bad).toBe(false);
    }
  });
  it('dedupes case-insensitively', () => {
    expect(dedupeAddresses(parseAddressList('A@x.test, a@X.test, b@x.test')).map((a) => a.address)).toEqual([
      'A@x.test',
      'b@x.test',
    ]);
  });
});
