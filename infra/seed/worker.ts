/** Worker thread for seedMaildir: renders and writes one shard of the messages. */
import { parentPort, workerData } from 'node:worker_threads';
import type { GenerateOptions } from './generate.js';
import { type Owner, type WriteContext, writeShard } from './maildir.js';

interface Data {
  gen: GenerateOptions;
  ctx: { home: string; runId: number; owner: Owner | null; keywordMaps: [string, [string, number][]][] };
}

const data = workerData as Data;
const ctx: WriteContext = {
  home: data.ctx.home,
  runId: data.ctx.runId,
  owner: data.ctx.owner,
  keywordMaps: new Map(data.ctx.keywordMaps.map(([f, entries]) => [f, new Map(entries)])),
};
const stats = writeShard(data.gen, ctx, (s) => parentPort?.postMessage({ type: 'progress', stats: s }));
parentPort?.postMessage({ type: 'done', stats });
