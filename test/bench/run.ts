/**
 * `pnpm bench [NAME…]`: runs the benchmark scenarios, prints each figure beside its baseline and
 * target, writes test/bench/results.json and the table in docs/PERFORMANCE.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Scenario, ScenarioResult } from './harness.ts';
import { bundle } from './scenarios/bundle.ts';
import { cacheBytes, listWarm, resync, resyncScan } from './scenarios/cache.ts';
import { lcp } from './scenarios/lcp.ts';
import { listCold } from './scenarios/list.ts';
import { push } from './scenarios/push.ts';
import { pushHook } from './scenarios/push-hook.ts';
import { sessions } from './scenarios/sessions.ts';
import { throughput } from './scenarios/throughput.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const scenarios: Scenario[] = [
  bundle,
  listCold,
  listWarm,
  resync,
  resyncScan,
  cacheBytes,
  push,
  pushHook,
  sessions,
  throughput,
  lcp,
];

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !scenarios.some((s) => s.name === name));
if (unknown.length > 0) {
  process.stderr.write(
    `unknown scenario: ${unknown.join(', ')}; known: ${scenarios.map((s) => s.name).join(', ')}\n`,
  );
  process.exit(2);
}
const selected = wanted.length > 0 ? scenarios.filter((s) => wanted.includes(s.name)) : scenarios;

// results.json holds only figures, one object per scenario; verdicts.json the targets and notes.
const resultsPath = path.join(here, 'results.json');
const verdictsPath = path.join(here, 'verdicts.json');
function readJson<T>(file: string): Record<string, T> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, T>;
  } catch {
    return {};
  }
}
const figures = readJson<ScenarioResult['figures']>(resultsPath);
const verdicts = readJson<Omit<ScenarioResult, 'figures'>>(verdictsPath);

let failures = 0;
for (const scenario of selected) {
  process.stdout.write(`→ ${scenario.name}: ${scenario.description}\n`);
  try {
    const { figures: measured, ...verdict } = await scenario.run();
    figures[scenario.name] = measured;
    verdicts[scenario.name] = verdict;
  } catch (error) {
    failures += 1;
    process.stderr.write(
      `  ${scenario.name} failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
  }
}
const results: Record<string, ScenarioResult> = Object.fromEntries(
  Object.entries(figures).map(([name, f]) => [name, { figures: f, ...verdicts[name] }]),
);

const rows = Object.entries(results).map(([name, result]) => {
  const figures = Object.entries(result.figures)
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
  const verdict = result.met === undefined ? '' : result.met ? 'met' : 'MISS';
  return `| ${name} | ${figures} | ${result.target ?? ''} | ${verdict} | ${result.notes ?? ''} |`;
});
const table = ['| scenario | figures | target | verdict | notes |', '|---|---|---|---|---|', ...rows].join(
  '\n',
);
process.stdout.write(`\n${table}\n`);

writeFileSync(resultsPath, `${JSON.stringify(figures, null, 2)}\n`);
writeFileSync(verdictsPath, `${JSON.stringify(verdicts, null, 2)}\n`);
const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const docPath = path.join(repoRoot, 'docs/PERFORMANCE.md');
const doc = readFileSync(docPath, 'utf8');
const section = `<!-- bench:start -->\nLast run: ${new Date().toISOString().slice(0, 10)} on ${machine}.\n\n${table}\n<!-- bench:end -->`;
writeFileSync(docPath, doc.replace(/<!-- bench:start -->[\s\S]*<!-- bench:end -->/, section));
process.exit(failures > 0 ? 1 : 0);
