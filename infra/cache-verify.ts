/**
 * `pnpm cache:verify USER [--password P] [--redis URL]`: compares USER's summary cache in Redis
 * with the IMAP server and prints every mismatch; exits 1 when there is any.
 *
 * The account is found by the `who` key the cache writes (address and IMAP server). The password
 * comes from --password, CACHE_VERIFY_PASSWORD, or the local stack's passwd-file; Redis from
 * --redis, REDIS_URL or the stack's env.
 */

import { connectRedis, findAccounts, verifyAccount } from '@westwind/server/cache';
import { ImapFlow } from 'imapflow';
import { readStackEnv } from './stack/index.ts';
import { resolveLayout } from './stack/layout.ts';
import { readPasswd } from './stack/users.ts';

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
}

async function passwordOf(user: string): Promise<string | undefined> {
  const layout = await resolveLayout();
  const encoded = (await readPasswd(layout.passwdFile)).get(user.toLowerCase());
  if (encoded?.startsWith('{PLAIN}')) return encoded.slice('{PLAIN}'.length);
  if (encoded?.startsWith('{PLAIN.b64}'))
    return Buffer.from(encoded.slice('{PLAIN.b64}'.length), 'base64').toString();
  return undefined;
}

async function main(args: string[]): Promise<number> {
  const user = args.find(
    (arg) => !arg.startsWith('--') && args[args.indexOf(arg) - 1]?.startsWith('--') !== true,
  );
  if (!user) {
    console.error('usage: pnpm cache:verify USER [--password P] [--redis URL]');
    return 2;
  }
  const stack = await readStackEnv();
  const redisUrl = option(args, '--redis') ?? process.env.REDIS_URL ?? stack?.REDIS_URL;
  if (!redisUrl) throw new Error('no Redis: pass --redis or set REDIS_URL');
  const password =
    option(args, '--password') ?? process.env.CACHE_VERIFY_PASSWORD ?? (await passwordOf(user));
  if (!password) throw new Error(`no password for ${user}: pass --password`);
  const redis = await connectRedis(redisUrl);
  let failures = 0;
  try {
    const accounts = await findAccounts(redis, user);
    if (accounts.length === 0) console.log(`${user}: nothing cached`);
    for (const { accountKey, server } of accounts) {
      const [host, port] = [
        server.slice(0, server.lastIndexOf(':')),
        Number(server.slice(server.lastIndexOf(':') + 1)),
      ];
      const client = new ImapFlow({
        host,
        port,
        secure: false,
        doSTARTTLS: false,
        auth: { user, pass: password },
        logger: false,
      });
      client.on('error', () => {});
      await client.connect();
      try {
        const report = await verifyAccount(redis, client, accountKey);
        console.log(
          `${user} @ ${server}: ${report.mailboxes} mailboxes, ${report.summaries} summaries checked`,
        );
        for (const line of report.stale) console.log(`  stale: ${line}`);
        for (const line of report.mismatches) console.log(`  MISMATCH ${line}`);
        console.log(`  ${report.mismatches.length} mismatches`);
        failures += report.mismatches.length;
      } finally {
        await client.logout().catch(() => client.close());
      }
    }
  } finally {
    redis.disconnect();
  }
  return failures > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
