import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What a scenario observed, for the reliability report (test/reliability/reporter.js): the outcome in words
 * with its figures. Written only when a run collects a report (FB_RELIABILITY_DIR, set by `npm test` and
 * `npm run reliability`); a lone `npx jest` run writes nothing. The assertions stay in the test: a row says
 * "pass" only if the test that wrote it passed.
 */
export function observe(id: string, observed: string, figures: Record<string, number | string> = {}): void {
  const dir = process.env.FB_RELIABILITY_DIR;
  if (!dir) return;
  mkdirSync(join(dir, 'observations'), { recursive: true });
  // One file per observation: a scenario with several cases (or tests) has several, shown together.
  const file = `${id}-${Date.now()}-${randomBytes(3).toString('hex')}.json`;
  writeFileSync(join(dir, 'observations', file), JSON.stringify({ id, observed, figures }, null, 2));
}

/**
 * How long the slow scenarios run: 1 for the report (`npm run reliability`), less under `npm test`
 * (RELIABILITY_SCALE=0.1 there), so that CI exercises them in a fraction of the time.
 */
export function scale(): number {
  const value = Number(process.env.RELIABILITY_SCALE ?? '1');
  return Number.isFinite(value) && value > 0 ? value : 1;
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
export const count = (n: number): string => n.toLocaleString('en-US');
