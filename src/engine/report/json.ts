import { countBySeverity, posixPath, sortFindings } from './common.js';
import type { ReporterInput } from './types.js';

/** The whole result as one JSON document (format version 1). */
export function renderJson(input: ReporterInput): string {
  const findings = sortFindings(input.findings).map((finding) => ({ ...finding, path: posixPath(finding.path) }));
  const document = {
    version: 1,
    ...(input.settings ? { settings: { database: input.settings.database, databaseVersion: input.settings.versionText } } : {}),
    summary: { ...countBySeverity(findings), ...(input.stats ? { files: input.stats.files, targets: input.stats.targets } : {}) },
    findings,
    ...(input.graph ? { graph: input.graph } : {}),
    ...(input.problems ? { problems: input.problems } : {}),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
