import type { Finding } from '../rules/types.js';
import type { Severity } from '../types.js';
import { SEVERITIES } from './types.js';

export type SeverityCounts = Record<Severity, number>;

export function countBySeverity(findings: readonly Finding[]): SeverityCounts {
  const counts: SeverityCounts = { error: 0, warning: 0, info: 0 };
  for (const finding of findings) counts[finding.severity]++;
  return counts;
}

/** `2 errors, 1 warning, 0 info`. */
export function describeCounts(counts: SeverityCounts): string {
  return SEVERITIES.map((severity) => {
    const n = counts[severity];
    return severity === 'info' ? `${n} info` : `${n} ${severity}${n === 1 ? '' : 's'}`;
  }).join(', ');
}

/** Relative POSIX path: backslashes become slashes, a leading `./` goes. */
export function posixPath(path: string): string {
  return path.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
}

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** Stable order: path, line, rule id, message. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => {
    const pa = posixPath(a.path);
    const pb = posixPath(b.path);
    if (pa !== pb) return pa < pb ? -1 : 1;
    if (a.line !== b.line) return a.line - b.line;
    if (a.ruleId !== b.ruleId) return a.ruleId < b.ruleId ? -1 : 1;
    return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
  });
}

export function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

export const DATABASE_NAMES: Record<string, string> = {
  postgresql: 'PostgreSQL',
  mysql: 'MySQL',
  mariadb: 'MariaDB',
  sqlite: 'SQLite',
  oracle: 'Oracle',
};

export function describeTarget(settings: { database: string; versionText: string } | undefined): string {
  if (!settings) return '';
  return `${DATABASE_NAMES[settings.database] ?? settings.database} ${settings.versionText}`;
}
