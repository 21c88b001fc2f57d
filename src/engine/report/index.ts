/** Reporters: pure string builders from analysis results, by format name. */
import { renderGithub } from './github.js';
import { renderGitlab } from './gitlab.js';
import { renderJson } from './json.js';
import { renderMarkdown } from './markdown.js';
import { renderSarif } from './sarif.js';
import { renderText } from './text.js';
import type { Reporter } from './types.js';

export const reporters = {
  text: renderText,
  json: renderJson,
  sarif: renderSarif,
  github: renderGithub,
  gitlab: renderGitlab,
  markdown: (input) => renderMarkdown(input),
} satisfies Record<string, Reporter>;

export type ReportFormat = keyof typeof reporters;

export const REPORT_FORMATS = Object.keys(reporters) as ReportFormat[];

export { countBySeverity, describeCounts, posixPath, sortFindings } from './common.js';
export { escapeData, escapeProperty, renderGithub } from './github.js';
export { renderJson } from './json.js';
export { renderDiagnosisMarkdown, renderGraphMarkdown, renderMarkdown } from './markdown.js';
export type { MarkdownOptions } from './markdown.js';
export { renderDiagnosisText, renderGraphText } from './plain.js';
export { renderSarif } from './sarif.js';
export { renderSummary, renderText } from './text.js';
export { RULES_DOC } from './types.js';
export type { Reporter, ReporterInput, RuleMeta } from './types.js';
