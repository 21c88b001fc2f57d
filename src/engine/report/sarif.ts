import type { Finding } from '../rules/types.js';
import type { Severity } from '../types.js';
import { posixPath, sortFindings } from './common.js';
import { RULES_DOC } from './types.js';
import type { ReporterInput, RuleMeta } from './types.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

/** SARIF wants a URI: relative POSIX paths stay relative (to %SRCROOT%), absolute ones become file URIs. */
function toUri(path: string): { uri: string; uriBaseId?: string } {
  const posix = posixPath(path);
  if (/^[A-Za-z]:\//.test(posix)) return { uri: `file:///${encodeURI(posix)}` };
  if (posix.startsWith('/')) return { uri: `file://${encodeURI(posix)}` };
  return { uri: encodeURI(posix), uriBaseId: '%SRCROOT%' };
}

function ruleDescriptor(meta: RuleMeta) {
  const help = `${meta.summary}\n\nWhy: ${meta.why}\n\nSafe alternative:\n${meta.safeAlternative}`;
  return {
    id: meta.id,
    name: meta.id
      .split('-')
      .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
      .join(''),
    shortDescription: { text: meta.summary },
    fullDescription: { text: meta.why },
    help: { text: help, markdown: `${meta.summary}\n\n**Why:** ${meta.why}\n\n**Safe alternative**\n\n${meta.safeAlternative}\n\nSee ${RULES_DOC}.` },
    ...(meta.links && meta.links.length > 0 ? { helpUri: meta.links[0] } : {}),
    defaultConfiguration: { level: LEVEL[meta.severity] },
    properties: { ...(meta.category ? { category: meta.category } : {}), ...(meta.databases ? { databases: Object.keys(meta.databases).sort() } : {}) },
  };
}

/** The finding's range; columns only when the finding has them (line-only findings point at a whole line). */
function region(finding: Finding): { startLine: number; startColumn?: number; endLine?: number; endColumn?: number } {
  const startLine = Math.max(1, finding.line);
  if (finding.column === undefined || finding.endLine === undefined || finding.endColumn === undefined) return { startLine };
  return { startLine, startColumn: finding.column, endLine: Math.max(startLine, finding.endLine), endColumn: finding.endColumn };
}

function metaFromFinding(finding: Finding): RuleMeta {
  return { id: finding.ruleId, severity: finding.severity, summary: finding.message.split('\n')[0] ?? finding.ruleId, why: finding.why, safeAlternative: finding.safeAlternative };
}

/** SARIF 2.1.0 for code scanning: one run, rule metadata for the rules that reported, results sorted by location. */
export function renderSarif(input: ReporterInput): string {
  const findings = sortFindings(input.findings);
  const known = new Map((input.rules ?? []).map((rule) => [rule.id, rule]));
  const ids = [...new Set(findings.map((finding) => finding.ruleId))].sort();
  const metas = ids.map((id) => known.get(id) ?? metaFromFinding(findings.find((finding) => finding.ruleId === id) as Finding));
  const index = new Map(ids.map((id, i) => [id, i]));
  const results = findings.map((finding) => ({
    ruleId: finding.ruleId,
    ruleIndex: index.get(finding.ruleId) ?? 0,
    level: LEVEL[finding.severity],
    message: { text: finding.message },
    locations: [
      {
        physicalLocation: { artifactLocation: toUri(finding.path), region: region(finding) },
        logicalLocations: [{ name: finding.migration, fullyQualifiedName: `${finding.app}.${finding.migration}`, kind: 'module' }],
      },
    ],
    // Folded findings of other rules on the same operation and risk: same place, their own words.
    ...(finding.related?.length
      ? {
          relatedLocations: finding.related.map((related, id) => ({
            id,
            physicalLocation: { artifactLocation: toUri(finding.path), region: region(finding) },
            message: { text: `${related.ruleId} (${related.severity}): ${related.message}` },
          })),
        }
      : {}),
    partialFingerprints: { 'migrateHelp/v1': `${finding.ruleId}:${finding.app}.${finding.migration}:${finding.operation ? finding.operation.index : finding.line}` },
  }));
  const document = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'migrate-help', ...(input.version ? { version: input.version, semanticVersion: input.version } : {}), rules: metas.map(ruleDescriptor) } },
        results,
        columnKind: 'unicodeCodePoints',
      },
    ],
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
