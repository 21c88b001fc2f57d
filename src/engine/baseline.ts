/**
 * Baselines: accept today's findings so a team adopting the linter sees only what is new. A finding
 * is keyed by what survives edits above it (app, migration, operation position, rule), never by its
 * line. Pure: the CLI reads and writes the file.
 */
import type { Finding } from './rules/types.js';
import type { MigrationFile, Operation } from './types.js';

export const BASELINE_VERSION = 1;

export interface BaselineEntry {
  app: string;
  migration: string;
  /**
   * Where in `operations` the finding points: `"3"` for the fourth operation, `"1/database_operations/0"`
   * for the first operation nested in the second one's `database_operations`; null for file-level findings.
   */
  operation: string | null;
  rule: string;
  /** How many findings share this key (a rule may report twice on one operation). */
  count: number;
}

export interface Baseline {
  version: typeof BASELINE_VERSION;
  entries: BaselineEntry[];
}

export interface BaselineOutcome {
  /** Findings not covered by the baseline: the ones to report. */
  reported: Finding[];
  baselined: number;
  /** Entries (with the count left unmatched) that no finding of this run matched. */
  stale: BaselineEntry[];
}

type Key = string;

function keyText(entry: Omit<BaselineEntry, 'count'>): Key {
  return JSON.stringify([entry.app, entry.migration, entry.operation, entry.rule]);
}

function compareEntries(a: BaselineEntry, b: BaselineEntry): number {
  const order = [
    [a.app, b.app],
    [a.migration, b.migration],
    [a.operation ?? '', b.operation ?? ''],
    [a.rule, b.rule],
  ] as const;
  for (const [left, right] of order) if (left !== right) return left < right ? -1 : 1;
  return 0;
}

/**
 * Operation.path names the nested list but not the parent's index, so the parent chain is found in
 * the parsed file: the operation with the same type, index and path whose span holds the finding's line.
 */
function operationPosition(finding: Finding, file: MigrationFile | undefined): string | null {
  const op = finding.operation;
  if (!op) return null;
  if (op.path.length === 0) return String(op.index);
  const found = file ? findNested(file.operations, op, finding.line) : null;
  return found ?? [...op.path, String(op.index)].join('/');
}

function findNested(operations: readonly Operation[], target: { type: string; index: number; path: string[] }, line: number): string | null {
  const matches: Array<{ position: string; op: Operation }> = [];
  const walk = (list: readonly Operation[], trail: string[]) => {
    for (const candidate of list) {
      const position = [...trail, String(candidate.index)];
      if (candidate.type === target.type && candidate.index === target.index && sameList(candidate.path, target.path)) matches.push({ position: position.join('/'), op: candidate });
      for (const [key, children] of Object.entries(candidate.children ?? {})) walk(children, [...position, key]);
    }
  };
  walk(operations, []);
  const holding = matches.find(({ op }) => op.span.line <= line && line <= op.span.endLine);
  return (holding ?? matches[0])?.position ?? null;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

function filesByKey(files: readonly MigrationFile[]): Map<string, MigrationFile> {
  return new Map(files.map((file) => [`${file.app}.${file.name}`, file]));
}

function entryKeyOf(finding: Finding, files: Map<string, MigrationFile>): Omit<BaselineEntry, 'count'> {
  return { app: finding.app, migration: finding.migration, operation: operationPosition(finding, files.get(`${finding.app}.${finding.migration}`)), rule: finding.ruleId };
}

/** The baseline recording these findings: one entry per key with its count, sorted. */
export function createBaseline(findings: readonly Finding[], files: readonly MigrationFile[]): Baseline {
  const byKey = filesByKey(files);
  const entries = new Map<Key, BaselineEntry>();
  for (const finding of findings) {
    const key = entryKeyOf(finding, byKey);
    const text = keyText(key);
    const entry = entries.get(text);
    if (entry) entry.count++;
    else entries.set(text, { ...key, count: 1 });
  }
  return { version: BASELINE_VERSION, entries: [...entries.values()].sort(compareEntries) };
}

/**
 * Split findings into baselined and reported. An entry is stale when its migration was linted (or
 * its app was read and the migration is gone) and fewer findings than recorded matched it.
 */
export function applyBaseline(findings: readonly Finding[], baseline: Baseline, files: readonly MigrationFile[], targets: readonly MigrationFile[]): BaselineOutcome {
  const byKey = filesByKey(files);
  const remaining = new Map<Key, number>(baseline.entries.map((entry) => [keyText(entry), entry.count]));
  const reported: Finding[] = [];
  let baselined = 0;
  for (const finding of findings) {
    const text = keyText(entryKeyOf(finding, byKey));
    const left = remaining.get(text) ?? 0;
    if (left > 0) {
      remaining.set(text, left - 1);
      baselined++;
    } else reported.push(finding);
  }
  const linted = new Set(targets.map((file) => `${file.app}.${file.name}`));
  const appsRead = new Set(files.map((file) => file.app));
  const stale: BaselineEntry[] = [];
  for (const entry of baseline.entries) {
    const left = remaining.get(keyText(entry)) ?? 0;
    if (left === 0) continue;
    const migration = `${entry.app}.${entry.migration}`;
    const judged = linted.has(migration) || (appsRead.has(entry.app) && !byKey.has(migration));
    if (judged) stale.push({ ...entry, count: left });
  }
  return { reported, baselined, stale };
}
