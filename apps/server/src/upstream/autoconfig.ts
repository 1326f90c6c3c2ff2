/**
 * Reads Mozilla autoconfig documents (the Thunderbird ISPDB format, `config-v1.1.xml`). Pure.
 *
 * The format is small and flat: `<clientConfig><emailProvider>` holding `<incomingServer
 * type="imap">` and `<outgoingServer type="smtp">` blocks, each with `hostname`, `port`,
 * `socketType` (SSL | STARTTLS | plain), `authentication` (repeatable) and `username`. A tokenizer
 * over those blocks is enough; no XML library, no DTDs, no entity expansion beyond the five
 * predefined entities and numeric references. Documents with a DOCTYPE are refused outright.
 * https://wiki.mozilla.org/Thunderbird:Autoconfiguration:ConfigFileFormat
 */
import type { TlsMode } from './policy-config.js';

/** How the login name is made from the address: `%EMAILADDRESS%` or `%EMAILLOCALPART%`. */
export type UsernameTemplate = 'address' | 'localpart';

export interface DiscoveredServer {
  protocol: 'imap' | 'smtp';
  /** As written in the document, `%EMAILDOMAIN%` substituted; not yet normalised or checked. */
  host: string;
  port: number;
  tls: TlsMode;
  username: UsernameTemplate;
}

export interface AutoconfigResult {
  /** In document order, which is the provider's order of preference. */
  servers: DiscoveredServer[];
  /** One line per block that was ignored, for logs. */
  skipped: string[];
}

const SERVER_BLOCK = /<(incomingServer|outgoingServer)\b([^>]*)>([\s\S]*?)<\/\1\s*>/g;
const FIELD = /<(hostname|port|socketType|username|authentication)\s*>([^<]*)<\/\1\s*>/g;
const TYPE_ATTRIBUTE = /\btype\s*=\s*(["'])([^"']*)\1/;
/** Authentication methods a password sign-in can satisfy (LOGIN / AUTH PLAIN, over TLS). */
const PASSWORD_METHODS = new Set(['password-cleartext', 'plain', 'password-encrypted', 'secure']);

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|amp|lt|gt|quot|apos);/gi, (whole, entity: string) => {
    const lower = entity.toLowerCase();
    if (lower === 'amp') return '&';
    if (lower === 'lt') return '<';
    if (lower === 'gt') return '>';
    if (lower === 'quot') return '"';
    if (lower === 'apos') return "'";
    const code = lower.startsWith('#x') ? Number.parseInt(lower.slice(2), 16) : Number(lower.slice(1));
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

function usernameTemplate(text: string | undefined): UsernameTemplate | null {
  // No <username> at all: RFC 6186 and Thunderbird default to the full address.
  if (text === undefined) return 'address';
  if (text === '%EMAILADDRESS%') return 'address';
  if (text === '%EMAILLOCALPART%') return 'localpart';
  return null;
}

function socketTls(text: string | undefined): TlsMode | null {
  switch (text?.toUpperCase()) {
    case 'SSL':
    case 'TLS':
      return 'tls';
    case 'STARTTLS':
      return 'starttls';
    case 'PLAIN':
      return 'plain';
    default:
      return null;
  }
}

/**
 * Extracts the IMAP and SMTP servers of an autoconfig document. Blocks for other protocols
 * (pop3, exchange, …), blocks with a username template other than `%EMAILADDRESS%` or
 * `%EMAILLOCALPART%`, and blocks offering no password authentication are skipped, with a reason.
 * Throws if the document is not an autoconfig document at all.
 */
export function parseAutoconfig(xml: string, emailDomain: string): AutoconfigResult {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new Error('autoconfig document has a DOCTYPE; refused');
  const text = xml.replace(/<!--[\s\S]*?-->/g, '');
  if (!/<clientConfig\b/.test(text)) throw new Error('not an autoconfig document (no <clientConfig>)');

  const servers: DiscoveredServer[] = [];
  const skipped: string[] = [];
  for (const block of text.matchAll(SERVER_BLOCK)) {
    const [, element = '', attributes = '', body = ''] = block;
    const type = TYPE_ATTRIBUTE.exec(attributes)?.[2]?.toLowerCase();
    const protocol =
      element === 'incomingServer' ? (type === 'imap' ? 'imap' : null) : type === 'smtp' ? 'smtp' : null;
    if (!protocol) continue;

    const fields = new Map<string, string>();
    const authentication: string[] = [];
    for (const [, name = '', value = ''] of body.matchAll(FIELD)) {
      const decoded = decodeEntities(value).trim();
      if (name === 'authentication') authentication.push(decoded.toLowerCase());
      else if (!fields.has(name)) fields.set(name, decoded);
    }
    const label = `${protocol} server ${JSON.stringify((fields.get('hostname') ?? '?').slice(0, 100))}`;

    const host = fields.get('hostname')?.replaceAll('%EMAILDOMAIN%', emailDomain);
    if (!host || host.includes('%')) {
      skipped.push(`${label}: missing hostname or an unsupported placeholder in it`);
      continue;
    }
    const portText = fields.get('port') ?? '';
    const port = Number(portText);
    if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) {
      skipped.push(`${label}: invalid port`);
      continue;
    }
    const tls = socketTls(fields.get('socketType'));
    if (!tls) {
      skipped.push(`${label}: unknown socketType`);
      continue;
    }
    const username = usernameTemplate(fields.get('username'));
    if (!username) {
      // Fixed user names or %REALNAME%-style templates: not a per-user password sign-in.
      skipped.push(`${label}: username template is neither %EMAILADDRESS% nor %EMAILLOCALPART%`);
      continue;
    }
    if (authentication.length > 0 && !authentication.some((method) => PASSWORD_METHODS.has(method))) {
      skipped.push(`${label}: no password authentication (${authentication.join(', ')})`);
      continue;
    }
    servers.push({ protocol, host, port, tls, username });
  }
  return { servers, skipped };
}
