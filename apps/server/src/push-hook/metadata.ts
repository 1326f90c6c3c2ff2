import type { ImapFlow } from 'imapflow';

/** The server-level METADATA entry Dovecot's OX driver requires before it notifies for a user. */
export const PUSH_METADATA_ENTRY = '/private/vendor/vendor.dovecot/http-notify';

/** What the OX driver reads from the entry: tab-separated `key=value`, `user=` required. */
export function pushMetadataValue(address: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the value is tab-separated
  if (/[\u0000-\u001f\u007f]/.test(address)) throw new Error('address contains control characters');
  return `user=${address}`;
}

interface RawExec {
  exec(
    command: string,
    attributes: unknown[],
    options?: object,
  ): Promise<{ next: () => void; response?: unknown }>;
}

/**
 * Turns Dovecot's push notifications on for the signed-in user: `SETMETADATA "" (entry
 * "user=<address>")` (RFC 5464), on a connection already logged in as that user. With the
 * driver's `user_from_metadata` option, the notification then names the Westwind address even
 * where Dovecot's own login name differs. Servers without METADATA are left alone (IDLE only).
 * Never throws: push falls back to IDLE whatever happens here.
 */
export async function setPushMetadata(
  client: ImapFlow,
  address: string,
): Promise<'set' | 'unsupported' | 'failed'> {
  if (!client.capabilities.has('METADATA') && !client.capabilities.has('METADATA-SERVER'))
    return 'unsupported';
  try {
    const value = pushMetadataValue(address);
    // imapflow has no METADATA command; its exec() sends one with properly quoted arguments.
    const response = await (client as unknown as RawExec).exec('SETMETADATA', [
      { type: 'STRING', value: '' },
      [
        { type: 'ATOM', value: PUSH_METADATA_ENTRY },
        { type: 'STRING', value },
      ],
    ]);
    response.next();
    return 'set';
  } catch {
    return 'failed';
  }
}
