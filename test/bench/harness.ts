/** Small shared pieces for benchmark scenarios: percentiles and result typing. */

export type Figures = Record<string, number | boolean>;

export interface ScenarioResult {
  figures: Figures;
  /** Human-readable target, e.g. "≤ 45 KB". */
  target?: string;
  /** Whether the measured figures meet the target; undefined when there is none. */
  met?: boolean;
  notes?: string;
}

export interface Scenario {
  name: string;
  description: string;
  run(): Promise<ScenarioResult>;
}

/** Nearest-rank percentile of `samples` (0 < p ≤ 100). */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new Error('percentile of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
