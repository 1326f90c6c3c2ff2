/**
 * Pure helpers of the capacity benchmarks (sessions, throughput, lcp): reading a process's
 * resident memory, deciding how many sessions a run held, turning a cookie header into browser
 * cookies. No I/O here, so the unit tests call them directly.
 */

/** VmRSS of a `/proc/<pid>/status` text, in bytes; undefined when the line is missing. */
export function parseVmRss(status: string): number | undefined {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return match ? Number(match[1]) * 1024 : undefined;
}

/** The inspector's websocket address from what `node --inspect` printed on stderr. */
export function inspectorUrl(stderr: string): string | undefined {
  return /Debugger listening on (ws:\/\/\S+)/.exec(stderr)?.[1];
}

/** One step of the sessions benchmark: how many sessions were asked for and what was measured. */
export interface SessionStep {
  /** Sessions asked for at this step (cumulative). */
  target: number;
  /** Sessions signed in with their websocket still open after the step. */
  open: number;
  /** Server RSS after the step settled. */
  rssBytes: number;
  /** Every push probe of this step arrived. */
  pushOk: boolean;
}

export interface SessionsOutcome {
  /** Sessions open at the largest step that reached its target with push working (0: none). */
  held: number;
  /** (RSS at that step − RSS before any session) / held; 0 when nothing was held. */
  rssBytesPerSession: number;
  /** Push arrived at every step that was measured. */
  pushOk: boolean;
}

/**
 * A step counts as held when every session asked for is open and push still arrives. Steps are
 * cumulative, so the first step that fails ends the count: a later one cannot be trusted.
 */
export function sessionsOutcome(baseRssBytes: number, steps: readonly SessionStep[]): SessionsOutcome {
  let held: SessionStep | undefined;
  for (const step of steps) {
    if (step.open < step.target || !step.pushOk) break;
    held = step;
  }
  return {
    held: held?.open ?? 0,
    rssBytesPerSession: held ? Math.max(0, Math.round((held.rssBytes - baseRssBytes) / held.open)) : 0,
    pushOk: steps.length > 0 && steps.every((step) => step.pushOk),
  };
}

/** Which account the i-th session signs in to: round-robin, so accounts fill evenly. */
export function accountOf(sessionIndex: number, accounts: number): number {
  if (!Number.isInteger(accounts) || accounts < 1) throw new Error('need at least one account');
  return sessionIndex % accounts;
}

export interface BrowserCookie {
  name: string;
  value: string;
  url: string;
}

/** The `name=value; …` header an HTTP client keeps, as cookies for a browser context at `url`. */
export function cookiesFromHeader(header: string, url: string): BrowserCookie[] {
  return header
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => pair.includes('='))
    .map((pair) => {
      const eq = pair.indexOf('=');
      return { name: pair.slice(0, eq), value: pair.slice(eq + 1), url };
    })
    .filter((cookie) => cookie.name !== '');
}

/** Runs `task(i)` for i in [from, to) with at most `limit` in flight; stops starting new ones after `deadline` (ms epoch). */
export async function inPool(
  from: number,
  to: number,
  limit: number,
  deadline: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = from;
  const worker = async () => {
    while (next < to && Date.now() < deadline) {
      const index = next++;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, to - from)) }, worker));
}
