/**
 * The figures issue 8 asks for, each with its target and verdict: collected while the bench runs,
 * printed as one table, written to `bench/results.json` (`figures`), and compared with an earlier
 * results file (`--compare`). A figure without a target is reported, not judged.
 */
import { readFileSync } from 'node:fs';
import { round } from './harness';

export interface Target {
  /** `<=`: at most; `>=`: at least. */
  op: '<=' | '>=';
  value: number;
}
export interface Figure {
  key: string;
  label: string;
  unit: string;
  /** `null`: not measured in this run (a suite skipped, or a meter the platform does not have). */
  value: number | null;
  target?: Target;
  verdict: 'met' | 'missed' | 'no target' | 'not measured';
  /** How far from the target, in percent of the target (positive: short of it or over it). */
  missedByPercent?: number;
  note?: string;
}

export class Figures {
  readonly all: Figure[] = [];

  add(key: string, label: string, value: number | null | undefined, unit: string, target?: Target, note?: string) {
    const v = value === undefined || value === null || Number.isNaN(value) ? null : value;
    const f: Figure = { key, label, unit, value: v, verdict: verdict(v, target) };
    if (target) f.target = target;
    if (note) f.note = note;
    if (v !== null && target && f.verdict === 'missed')
      f.missedByPercent = round((Math.abs(v - target.value) / target.value) * 100, 1);
    this.all.push(f);
  }

  print(): void {
    console.log(`\n${'figure'.padEnd(58)} ${'value'.padStart(12)}  ${'target'.padEnd(14)} verdict`);
    for (const f of this.all) console.log(line(f));
  }
}

function verdict(v: number | null, t: Target | undefined): Figure['verdict'] {
  if (v === null) return 'not measured';
  if (!t) return 'no target';
  return (t.op === '<=' ? v <= t.value : v >= t.value) ? 'met' : 'missed';
}

const show = (v: number | null, unit: string) => (v === null ? 'n/a' : `${v} ${unit}`);
const targetText = (f: Figure) => (f.target ? `${f.target.op} ${f.target.value} ${f.unit}` : '');
function line(f: Figure): string {
  const by = f.missedByPercent !== undefined ? ` by ${f.missedByPercent}%` : '';
  return `${f.label.padEnd(58)} ${show(f.value, f.unit).padStart(12)}  ${targetText(f).padEnd(14)} ${f.verdict}${by}${f.note ? ` (${f.note})` : ''}`;
}

/** Before → after for every figure the two runs share (or either has), from two results files. */
export function compare(beforeFile: string, after: Figure[]): string {
  const before = (JSON.parse(readFileSync(beforeFile, 'utf8')) as { figures?: Figure[] }).figures ?? [];
  const byKey = new Map(before.map((f) => [f.key, f]));
  const rows = [`\n${'figure'.padEnd(58)} ${'before'.padStart(12)}    ${'after'.padStart(12)}  change   verdict after`];
  const keys = [...after.map((f) => f.key), ...before.map((f) => f.key).filter((k) => !after.some((f) => f.key === k))];
  for (const key of keys) {
    const a = after.find((f) => f.key === key);
    const b = byKey.get(key);
    const f = (a ?? b)!;
    const bv = b?.value ?? null;
    const av = a?.value ?? null;
    const change =
      bv !== null && av !== null && bv !== 0 ? `${av >= bv ? '+' : ''}${round(((av - bv) / bv) * 100, 1)}%` : '';
    rows.push(
      `${f.label.padEnd(58)} ${show(bv, f.unit).padStart(12)} -> ${show(av, f.unit).padStart(12)}  ${change.padEnd(8)} ${a ? a.verdict : 'not measured'}`,
    );
  }
  return rows.join('\n');
}
