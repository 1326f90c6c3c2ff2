import { describe, expect, it } from 'vitest';
import {
  accountOf,
  cookiesFromHeader,
  inPool,
  inspectorUrl,
  parseVmRss,
  sessionsOutcome,
} from './capacity.ts';

describe('parseVmRss', () => {
  it('reads the resident set in bytes', () => {
    const status = 'Name:\tnode\nVmPeak:\t 1000 kB\nVmRSS:\t   81234 kB\nRssAnon:\t 5 kB\n';
    expect(parseVmRss(status)).toBe(81234 * 1024);
  });

  it('is undefined without a VmRSS line (a zombie)', () => {
    expect(parseVmRss('Name:\tnode\nState:\tZ (zombie)\n')).toBeUndefined();
  });
});

describe('inspectorUrl', () => {
  it('finds the websocket address node --inspect prints', () => {
    const stderr =
      'Debugger listening on ws://127.0.0.1:40123/0f1e2d3c-aaaa-bbbb-cccc-000000000000\nFor help, see: https://nodejs.org/en/docs/inspector\n';
    expect(inspectorUrl(stderr)).toBe('ws://127.0.0.1:40123/0f1e2d3c-aaaa-bbbb-cccc-000000000000');
    expect(inspectorUrl('')).toBeUndefined();
  });
});

describe('sessionsOutcome', () => {
  const base = 100 * 1024 * 1024;
  const step = (target: number, open: number, extraKb: number, pushOk = true) => ({
    target,
    open,
    rssBytes: base + extraKb * 1024,
    pushOk,
  });

  it('counts the largest step reached with push working', () => {
    const outcome = sessionsOutcome(base, [step(500, 500, 50_000), step(1000, 1000, 90_000)]);
    expect(outcome).toEqual({ held: 1000, rssBytesPerSession: 92_160, pushOk: true });
  });

  it('stops at the first step that fell short, even if a later one looks fine', () => {
    const outcome = sessionsOutcome(base, [
      step(500, 500, 50_000),
      step(1000, 990, 90_000),
      step(2000, 2000, 150_000),
    ]);
    expect(outcome.held).toBe(500);
    expect(outcome.rssBytesPerSession).toBe(102_400);
  });

  it('does not count a step where push stopped arriving', () => {
    const outcome = sessionsOutcome(base, [step(500, 500, 50_000), step(1000, 1000, 90_000, false)]);
    expect(outcome.held).toBe(500);
    expect(outcome.pushOk).toBe(false);
  });

  it('holds nothing when the first step fails', () => {
    expect(sessionsOutcome(base, [step(500, 10, 1000)])).toEqual({
      held: 0,
      rssBytesPerSession: 0,
      pushOk: true,
    });
    expect(sessionsOutcome(base, []).pushOk).toBe(false);
  });
});

describe('accountOf', () => {
  it('spreads sessions round-robin', () => {
    expect([0, 1, 2, 3, 4].map((i) => accountOf(i, 3))).toEqual([0, 1, 2, 0, 1]);
    expect(() => accountOf(1, 0)).toThrow();
  });
});

describe('cookiesFromHeader', () => {
  it('splits a cookie header into browser cookies, values kept whole', () => {
    expect(cookiesFromHeader('ww_session=v1.a.b; ww_csrf=x=y', 'http://127.0.0.1:1')).toEqual([
      { name: 'ww_session', value: 'v1.a.b', url: 'http://127.0.0.1:1' },
      { name: 'ww_csrf', value: 'x=y', url: 'http://127.0.0.1:1' },
    ]);
    expect(cookiesFromHeader('', 'http://x')).toEqual([]);
  });
});

describe('inPool', () => {
  it('runs every index once with bounded concurrency', async () => {
    const seen: number[] = [];
    let inFlight = 0;
    let most = 0;
    await inPool(2, 12, 3, Date.now() + 10_000, async (i) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      seen.push(i);
      inFlight -= 1;
    });
    expect(seen.sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(most).toBe(3);
  });

  it('starts nothing after the deadline', async () => {
    const seen: number[] = [];
    await inPool(0, 5, 2, Date.now() - 1, async (i) => {
      seen.push(i);
    });
    expect(seen).toEqual([]);
  });
});
