import type { TestProject } from 'vitest/node';
import { type StackEnv, stackUp } from '../../infra/stack/index.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackEnv;
  }
}

/**
 * Brings the real local stack (Dovecot, SMTP submission, Redis) up once per run. `up` is
 * idempotent, so a stack already running from `pnpm stack up` or the demo is reused as is.
 */
export default async function setup(project: TestProject): Promise<void> {
  const env = await stackUp({ log: (line) => process.stderr.write(`[stack] ${line}\n`) });
  project.provide('stack', env);
}
