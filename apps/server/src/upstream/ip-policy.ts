/**
 * Which IP addresses the server may open a connection to on a user's behalf (the SSRF guard).
 * Pure: no DNS, no I/O. Callers resolve names themselves and judge every address they got.
 *
 * The ranges follow the IANA special-purpose address registries (RFC 6890 and successors).
 * IPv6 forms that carry an IPv4 address inside (IPv4-mapped, IPv4-compatible, NAT64, 6to4) are
 * judged by that IPv4 address, so `::ffff:127.0.0.1` is loopback like `127.0.0.1`. Any IPv6
 * address outside global unicast 2000::/3 is refused as reserved.
 */
import net from 'node:net';

export interface Cidr {
  family: 4 | 6;
  /** Network address, 4 or 16 bytes, host bits cleared. */
  bytes: Uint8Array;
  prefix: number;
  /** Canonical text, e.g. `127.0.0.0/8`. */
  text: string;
}

export interface AddressVerdict {
  forbidden: boolean;
  /** Why it is forbidden, e.g. `loopback (127.0.0.0/8)`; for logs, never for end users. */
  reason?: string;
}

interface Range {
  cidr: Cidr;
  reason: string;
}

/** Parses `a.b.c.d` (strict dotted quad) or an IPv6 literal (brackets and `%zone` accepted). */
export function parseIp(text: string): { family: 4 | 6; bytes: Uint8Array } | null {
  let value = text.trim();
  if (value.startsWith('[') && value.endsWith(']')) value = value.slice(1, -1);
  const zone = value.indexOf('%');
  if (zone !== -1) value = value.slice(0, zone);
  const family = net.isIP(value);
  if (family === 4) return { family: 4, bytes: parseIPv4(value) };
  if (family === 6) {
    const bytes = parseIPv6(value);
    return bytes ? { family: 6, bytes } : null;
  }
  return null;
}

function parseIPv4(value: string): Uint8Array {
  return Uint8Array.from(value.split('.').map(Number));
}

function parseIPv6(value: string): Uint8Array | null {
  let text = value.toLowerCase();
  let tail: number[] = [];
  // A trailing dotted quad stands for the last 32 bits (`::ffff:1.2.3.4`).
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    if (net.isIP(last) !== 4) return null;
    const v4 = parseIPv4(last);
    tail = [((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0)];
    text = `${text.slice(0, lastColon + 1)}0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parseGroups = (part: string | undefined): number[] =>
    part ? part.split(':').map((group) => Number.parseInt(group, 16)) : [];
  const head = parseGroups(halves[0]);
  let rest = halves.length === 2 ? parseGroups(halves[1]) : [];
  if (tail.length > 0) {
    // Replace the placeholder `0` group with the two groups of the dotted quad.
    if (halves.length === 2) rest = [...rest.slice(0, -1), ...tail];
    else head.splice(head.length - 1, 1, ...tail);
  }
  const groups =
    halves.length === 2
      ? [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest]
      : head;
  if (groups.length !== 8 || groups.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff)) return null;
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  });
  return bytes;
}

function formatIp(family: 4 | 6, bytes: Uint8Array): string {
  if (family === 4) return Array.from(bytes).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  // Node's SocketAddress would do the RFC 5952 compression; the full form is canonical enough here.
  return groups.join(':');
}

/** Parses `a.b.c.d/n` or `v6::/n`; a bare address is a /32 or /128. Throws with a readable message. */
export function parseCidr(text: string): Cidr {
  const value = text.trim();
  const slash = value.indexOf('/');
  const addressText = slash === -1 ? value : value.slice(0, slash);
  const ip = parseIp(addressText);
  if (!ip || addressText.includes('%'))
    throw new Error(`${JSON.stringify(value)} is not an IP network (CIDR)`);
  const max = ip.family === 4 ? 32 : 128;
  const prefixText = slash === -1 ? String(max) : value.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) {
    throw new Error(`${JSON.stringify(value)}: the prefix length must be 0 to ${max}`);
  }
  const prefix = Number(prefixText);
  const bytes = ip.bytes.slice();
  for (let bit = prefix; bit < max; bit++) {
    const index = bit >> 3;
    bytes[index] = (bytes[index] ?? 0) & ~(0x80 >> (bit & 7));
  }
  return { family: ip.family, bytes, prefix, text: `${formatIp(ip.family, bytes)}/${prefix}` };
}

function contains(cidr: Cidr, family: 4 | 6, bytes: Uint8Array): boolean {
  if (cidr.family !== family) return false;
  const whole = cidr.prefix >> 3;
  for (let i = 0; i < whole; i++) if (bytes[i] !== cidr.bytes[i]) return false;
  const bits = cidr.prefix & 7;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return ((bytes[whole] ?? 0) & mask) === (cidr.bytes[whole] ?? 0);
}

const range = (text: string, reason: string): Range => ({ cidr: parseCidr(text), reason });

const FORBIDDEN_V4: readonly Range[] = [
  range('0.0.0.0/8', 'unspecified ("this network")'),
  range('10.0.0.0/8', 'private'),
  range('100.64.0.0/10', 'shared address space (CGNAT)'),
  range('127.0.0.0/8', 'loopback'),
  range('169.254.0.0/16', 'link-local'),
  range('172.16.0.0/12', 'private'),
  range('192.0.0.0/24', 'IETF protocol assignments'),
  range('192.0.2.0/24', 'documentation (TEST-NET-1)'),
  range('192.31.196.0/24', 'AS112'),
  range('192.52.193.0/24', 'AMT'),
  range('192.88.99.0/24', '6to4 relay anycast'),
  range('192.168.0.0/16', 'private'),
  range('192.175.48.0/24', 'AS112 direct delegation'),
  range('198.18.0.0/15', 'benchmarking'),
  range('198.51.100.0/24', 'documentation (TEST-NET-2)'),
  range('203.0.113.0/24', 'documentation (TEST-NET-3)'),
  range('224.0.0.0/4', 'multicast'),
  range('240.0.0.0/4', 'reserved or broadcast'),
];

/** IPv6 forms with an IPv4 address in the last 32 bits (or bits 16-47 for 6to4). */
const EMBEDDED_V4: readonly { cidr: Cidr; name: string; offset: number }[] = [
  { cidr: parseCidr('::ffff:0:0/96'), name: 'IPv4-mapped', offset: 12 },
  { cidr: parseCidr('::ffff:0:0:0/96'), name: 'IPv4-translated (SIIT)', offset: 12 },
  { cidr: parseCidr('64:ff9b::/96'), name: 'NAT64', offset: 12 },
  { cidr: parseCidr('2002::/16'), name: '6to4', offset: 2 },
];

const FORBIDDEN_V6: readonly Range[] = [
  range('::/128', 'unspecified'),
  range('::1/128', 'loopback'),
  // Deprecated IPv4-compatible addresses (RFC 4291 §2.5.5.1); judged by the embedded IPv4 below.
  range('64:ff9b:1::/48', 'local-use NAT64'),
  range('100::/64', 'discard-only'),
  range('2001::/32', 'Teredo tunnel'),
  range('2001:2::/48', 'benchmarking'),
  range('2001:10::/28', 'ORCHID'),
  range('2001:20::/28', 'ORCHIDv2'),
  range('2001:db8::/32', 'documentation'),
  range('3fff::/20', 'documentation'),
  range('5f00::/16', 'SRv6 SIDs'),
  range('fc00::/7', 'unique local (private)'),
  range('fe80::/10', 'link-local'),
  range('fec0::/10', 'site-local (deprecated)'),
  range('ff00::/8', 'multicast'),
];

const IPV4_COMPATIBLE = parseCidr('::/96');
const GLOBAL_UNICAST_V6 = parseCidr('2000::/3');

function inAllowed(family: 4 | 6, bytes: Uint8Array, allowed: readonly Cidr[]): boolean {
  return allowed.some((cidr) => contains(cidr, family, bytes));
}

function judgeV4(bytes: Uint8Array, allowed: readonly Cidr[], via?: string): AddressVerdict {
  if (inAllowed(4, bytes, allowed)) return { forbidden: false };
  for (const { cidr, reason } of FORBIDDEN_V4) {
    if (contains(cidr, 4, bytes)) {
      return { forbidden: true, reason: `${reason} (${cidr.text})${via ? ` via ${via}` : ''}` };
    }
  }
  return { forbidden: false };
}

/**
 * Decides whether the server may connect to `ip`. An address inside one of `allowedNetworks` is
 * always allowed (the operator's explicit choice, e.g. `127.0.0.0/8` for a local mail server);
 * anything that is not a well-formed IP address is forbidden.
 */
export function isForbiddenAddress(ip: string, allowedNetworks: readonly Cidr[]): AddressVerdict {
  const parsed = parseIp(ip);
  if (!parsed) return { forbidden: true, reason: 'not an IP address' };
  const { family, bytes } = parsed;
  if (family === 4) return judgeV4(bytes, allowedNetworks);

  if (inAllowed(6, bytes, allowedNetworks)) return { forbidden: false };
  for (const { cidr, name, offset } of EMBEDDED_V4) {
    if (contains(cidr, 6, bytes)) return judgeV4(bytes.slice(offset, offset + 4), allowedNetworks, name);
  }
  for (const { cidr, reason } of FORBIDDEN_V6) {
    if (contains(cidr, 6, bytes)) return { forbidden: true, reason: `${reason} (${cidr.text})` };
  }
  if (contains(IPV4_COMPATIBLE, 6, bytes)) {
    const verdict = judgeV4(bytes.slice(12, 16), allowedNetworks, 'IPv4-compatible');
    // Deprecated since RFC 4291; nothing legitimate uses it, so refuse even a public embedded IPv4.
    return verdict.forbidden
      ? verdict
      : { forbidden: true, reason: 'IPv4-compatible IPv6 (::/96, deprecated)' };
  }
  if (!contains(GLOBAL_UNICAST_V6, 6, bytes)) {
    return { forbidden: true, reason: 'reserved IPv6 range (outside 2000::/3)' };
  }
  return { forbidden: false };
}
