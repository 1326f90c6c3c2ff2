// `pnpm stack <command>`: the command-line face of index.ts.
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { formatStackEnv } from './env.js';
import { addMailUser, readStackEnv, stackDown, stackStatus, stackUp } from './index.js';
import { ENV_FILE, notRootMessage } from './layout.js';

const USAGE = `usage: pnpm stack <command>

  up                         start Dovecot, SMTP submission and Redis (idempotent); prints the env
  down                       stop what \`up\` started
  status                     show each service; exit 0 when up, 3 when not
  env                        print .run/stack.env (shell KEY=value lines)
  user add ADDRESS PASSWORD  add a mail user or change its password
  seed ...                   fill mailboxes (infra/seed)
`;

// Commands that start, stop or write anything need root; reading state does not.
const NEEDS_ROOT = new Set(['up', 'down', 'user', 'seed']);

type SeedModule = { seedCommand?: (argv: string[]) => Promise<void> };

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  if (NEEDS_ROOT.has(command) && userInfo().uid !== 0) {
    process.stderr.write(`${notRootMessage()}\n`);
    return 1;
  }
  switch (command) {
    case 'up': {
      const started = Date.now();
      const env = await stackUp({
        log: (line) => process.stderr.write(`stack: +${Date.now() - started} ms ${line}\n`),
      });
      process.stdout.write(formatStackEnv(env));
      process.stderr.write(
        `stack up in ${Date.now() - started} ms: IMAP ${env.IMAP_HOST}:${env.IMAP_PORT}, ` +
          `SMTP ${env.SMTP_HOST}:${env.SMTP_PORT}, LMTP :${env.LMTP_PORT}, ${env.REDIS_URL}, ` +
          `login ${env.DEMO_USER} / ${env.DEMO_PASSWORD}\n`,
      );
      return 0;
    }
    case 'down':
      await stackDown();
      process.stderr.write('stack down\n');
      return 0;
    case 'status': {
      const status = await stackStatus();
      for (const [name, service] of Object.entries(status.services)) {
        process.stdout.write(`${name.padEnd(8)} ${service.running ? 'up  ' : 'DOWN'}  ${service.detail}\n`);
      }
      process.stdout.write(status.up ? 'stack is up\n' : 'stack is down\n');
      return status.up ? 0 : 3;
    }
    case 'env': {
      if (!(await readStackEnv())) {
        process.stderr.write(`no usable ${ENV_FILE}; run: sudo pnpm stack up\n`);
        return 1;
      }
      process.stdout.write(await readFile(ENV_FILE, 'utf8'));
      return 0;
    }
    case 'user': {
      const [sub, address, password] = rest;
      if (sub !== 'add' || !address || !password || rest.length !== 3) {
        process.stderr.write(USAGE);
        return 2;
      }
      await addMailUser(address, password);
      process.stderr.write(`user ${address.toLowerCase()} ready\n`);
      return 0;
    }
    case 'seed': {
      // Another module owns seeding and may not exist yet; everything else must work without it.
      const specifier = new URL('../seed/cli.js', import.meta.url).href;
      let seed: SeedModule;
      try {
        seed = (await import(specifier)) as SeedModule;
      } catch (error) {
        process.stderr.write(`seeding is not available (infra/seed/cli.ts): ${(error as Error).message}\n`);
        return 1;
      }
      if (typeof seed.seedCommand !== 'function') {
        process.stderr.write('infra/seed/cli.ts does not export seedCommand(argv)\n');
        return 1;
      }
      await seed.seedCommand(rest);
      return 0;
    }
    default:
      process.stderr.write(`unknown command: ${command}\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    process.stderr.write(`stack: ${error.message}\n`);
    process.exitCode = 1;
  },
);
