import { describe, expect, it } from 'vitest';
import { isForbiddenAddress, parseCidr, parseIp } from './ip-policy.js';

const none = [] as const;

describe('isForbiddenAddress', () => {
  it.each([
    ['127.0.0.1', /loopback/],
    ['127.255.255.254', /loopback/],
    ['::1', /loopback/],
    ['[::1]', /loopback/],
    ['0.0.0.0', /unspecified/],
    ['0.1.2.3', /unspecified/],
    ['::', /unspecified/],
    ['10.0.0.1', /private/],
    ['172.16.0.1', /private/],
    ['172.31.255.255', /private/],
    ['192.168.1.1', /private/],
    ['fc00::1', /unique local/],
    ['fd12:3456:789a::1', /unique local/],
    ['169.254.169.254', /link-local/],
    ['169.254.0.1', /link-local/],
    ['fe80::1', /link-local/],
    ['fe80::1%eth0', /link-local/],
    ['febf:ffff::1', /link-local/],
    ['100.64.0.1', /CGNAT/],
    ['100.127.255.255', /CGNAT/],
    ['224.0.0.1', /multicast/],
    ['239.255.255.250', /multicast/],
    ['ff02::1', /multicast/],
    ['240.0.0.1', /reserved/],
    ['255.255.255.255', /broadcast/],
    ['198.18.0.1', /benchmarking/],
    ['198.19.255.255', /benchmarking/],
    ['2001:2::1', /benchmarking/],
    ['192.0.2.1', /documentation/],
    ['198.51.100.7', /documentation/],
    ['203.0.113.9', /documentation/],
    ['2001:db8::1', /documentation/],
    ['3fff::1', /documentation/],
    ['192.0.0.8', /IETF/],
    ['::ffff:127.0.0.1', /loopback .*IPv4-mapped/],
    ['::ffff:7f00:1', /loopback .*IPv4-mapped/],
    ['[::ffff:7f00:1]', /loopback/],
    ['::FFFF:169.254.169.254', /link-local/],
    ['::ffff:a9fe:a9fe', /link-local/],
    ['::ffff:10.1.2.3', /private/],
    ['::ffff:0:7f00:1', /loopback .*SIIT/],
    ['::127.0.0.1', /loopback .*IPv4-compatible/],
    ['::8.8.8.8', /IPv4-compatible/],
    ['64:ff9b::7f00:1', /loopback .*NAT64/],
    ['64:ff9b::10.0.0.1', /private .*NAT64/],
    ['64:ff9b:1::1', /local-use NAT64/],
    ['2002:7f00:1::', /loopback .*6to4/],
    ['2002:c0a8:101::1', /private .*6to4/],
    ['2001::1', /Teredo/],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', /Teredo/],
    ['fec0::1', /site-local/],
    ['100::1', /discard/],
    ['4000::1', /reserved IPv6/],
    ['not-an-ip', /not an IP/],
    ['127.1', /not an IP/],
    ['0177.0.0.1', /not an IP/],
    ['2130706433', /not an IP/],
    ['', /not an IP/],
  ])('refuses %s', (ip, reason) => {
    const verdict = isForbiddenAddress(ip, none);
    expect(verdict.forbidden).toBe(true);
    expect(verdict.reason).toMatch(reason);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '100.63.255.255',
    '100.128.0.1',
    '172.15.255.255',
    '172.32.0.1',
    '192.169.0.1',
    '198.17.255.255',
    '198.20.0.1',
    '223.255.255.255',
    '2606:4700:4700::1111',
    '2a00:1450:4001:80b::200e',
    '::ffff:8.8.8.8',
    '::ffff:808:808',
    '64:ff9b::8.8.8.8',
    '2002:808:808::1',
  ])('allows public %s', (ip) => {
    expect(isForbiddenAddress(ip, none)).toEqual({ forbidden: false });
  });

  it('allows a forbidden address inside an allowed network, and only there', () => {
    const allowed = [parseCidr('127.0.0.0/8'), parseCidr('10.20.0.0/16')];
    expect(isForbiddenAddress('127.0.0.1', allowed).forbidden).toBe(false);
    expect(isForbiddenAddress('10.20.3.4', allowed).forbidden).toBe(false);
    expect(isForbiddenAddress('10.21.0.1', allowed).forbidden).toBe(true);
    expect(isForbiddenAddress('192.168.0.1', allowed).forbidden).toBe(true);
    // An IPv4 network does not open ::1: the operator allows exactly what they list.
    expect(isForbiddenAddress('::1', allowed).forbidden).toBe(true);
  });

  it('judges an IPv4-mapped address by its IPv4 network, for refusing and for allowing', () => {
    const allowed = [parseCidr('127.0.0.0/8')];
    expect(isForbiddenAddress('::ffff:127.0.0.1', allowed).forbidden).toBe(false);
    expect(isForbiddenAddress('::ffff:7f00:1', allowed).forbidden).toBe(false);
    expect(isForbiddenAddress('::ffff:10.0.0.1', allowed).forbidden).toBe(true);
  });

  it('allows IPv6 networks', () => {
    const allowed = [parseCidr('::1/128'), parseCidr('fd00:1::/32')];
    expect(isForbiddenAddress('::1', allowed).forbidden).toBe(false);
    expect(isForbiddenAddress('fd00:1:2::3', allowed).forbidden).toBe(false);
    expect(isForbiddenAddress('fd00:2::3', allowed).forbidden).toBe(true);
  });
});

describe('parseCidr', () => {
  it('parses IPv4 and IPv6 networks and clears host bits', () => {
    expect(parseCidr('127.0.0.0/8')).toMatchObject({ family: 4, prefix: 8, text: '127.0.0.0/8' });
    expect(parseCidr('10.1.2.3/8').text).toBe('10.0.0.0/8');
    expect(parseCidr('192.168.1.77/31').text).toBe('192.168.1.76/31');
    expect(parseCidr('fe80::1/10')).toMatchObject({ family: 6, prefix: 10, text: 'fe80:0:0:0:0:0:0:0/10' });
    expect(parseCidr(' 0.0.0.0/0 ').prefix).toBe(0);
  });

  it('reads a bare address as a single host', () => {
    expect(parseCidr('203.0.113.5')).toMatchObject({ prefix: 32, text: '203.0.113.5/32' });
    expect(parseCidr('::1').prefix).toBe(128);
  });

  it.each([
    '127.0.0.0/33',
    '::/129',
    '10.0.0.0/',
    '10.0.0.0/-1',
    '10.0.0.0/8/8',
    'localhost/8',
    '10.0/8',
    'fe80::%eth0/10',
  ])('rejects %s', (text) => {
    expect(() => parseCidr(text)).toThrow(/CIDR|prefix/);
  });
});

describe('parseIp', () => {
  it('expands IPv6 forms, embedded dotted quads included', () => {
    const mapped = parseIp('::ffff:1.2.3.4');
    expect(mapped?.family).toBe(6);
    expect(Array.from(mapped?.bytes ?? [])).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 1, 2, 3, 4]);
    expect(Array.from(parseIp('1:2:3:4:5:6:7.8.9.10')?.bytes ?? []).slice(12)).toEqual([7, 8, 9, 10]);
    expect(Array.from(parseIp('2001:db8::')?.bytes ?? []).slice(0, 4)).toEqual([0x20, 0x01, 0x0d, 0xb8]);
    expect(parseIp('1::2::3')).toBeNull();
  });
});
