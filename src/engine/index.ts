/**
 * The engine's public API. Callers (CLI, bot, GitHub edge, benchmarks) import from here only.
 *
 *   await initParser();
 *   const files = sources.map((s) => parseMigration(s.text, { path: s.path }));
 *   const report = analyze(files, { database: 'postgresql', databaseVersion: '15' }, { targets });
 *
 * or, with text in hand, `await analyzeSources(sources, settings, { targets })`.
 */

// Analysis
export { analyze, analyzeSources, compareFindings, fillTemplate, ruleApplies, INTERNAL_ERROR_ID, PARSE_ERROR_ID } from './analyze.js';
export type { AnalyzeOptions, Report, ReportStats, SourceFile } from './analyze.js';
export {
  DEFAULT_DATABASE,
  DEFAULT_VERSIONS,
  EngineSettingsError,
  compareVersions,
  parseDatabase,
  parseVersion,
  resolveSettings,
  versionInRange,
} from './settings.js';
export type { Version } from './settings.js';

// Data model
export { DATABASES } from './types.js';
export type * from './types.js';

// Rules
export { rules, rulesById } from './rules/index.js';
export type { Finding, ModelState, OperationVisit, ReportInput, ResolvedSettings, Rule, RuleCase, StateView } from './rules/types.js';

// Parser
export {
  MAX_SOURCE_BYTES,
  appLabelFromPath,
  initParser,
  migrationNameFromPath,
  parseAppConfigLabel,
  parseMigration,
  parseSnippet,
  SNIPPET_PATH,
  toParseJson,
} from './parse/index.js';
export type { ParseOptions } from './parse/index.js';

// Graph and state
export { buildGraph, nodeId } from './graph/index.js';
export type { BuildGraphOptions, GraphConflict, GraphCycle, GraphMissing, GraphNode, GraphReport, MigrationGraph, NodeId, StaleReplace } from './graph/types.js';
export { replayState } from './state/index.js';
export type { ProjectState, StateTimeline } from './state/index.js';

// Playbooks (pasted errors → diagnosis)
export { compareWithGraph, detectDatabase, diagnose, parseShowMigrations, playbookById, playbooks } from './playbooks/index.js';
export type { Confidence, Diagnosis, Extracted, GraphComparison, Playbook, RecoveryStep, ShowMigrations, ShowMigrationsEntry } from './playbooks/index.js';

// Reporters (Report → text, json, sarif, github annotations, markdown)
export {
  REPORT_FORMATS,
  RULES_DOC,
  countBySeverity,
  describeCounts,
  renderDiagnosisMarkdown,
  renderDiagnosisText,
  renderGithub,
  renderGraphMarkdown,
  renderGraphText,
  renderJson,
  renderMarkdown,
  renderSarif,
  renderSummary,
  renderText,
  reporters,
  sortFindings,
} from './report/index.js';
export type { MarkdownOptions, ReportFormat, Reporter, ReporterInput, RuleMeta } from './report/index.js';
