import type { GraphReport } from '../graph/types.js';
import type { Finding, Rule } from '../rules/types.js';
import type { ParseProblem, Severity } from '../types.js';

/** What a reporter needs to know about a rule (SARIF rule metadata, docs). */
export type RuleMeta = Pick<Rule, 'id' | 'severity' | 'summary' | 'why' | 'safeAlternative'> & Partial<Pick<Rule, 'links' | 'category' | 'databases'>>;

export interface ReporterInput {
  /** Sorted or not: each reporter orders them itself. */
  findings: readonly Finding[];
  graph?: GraphReport;
  /** Parse problems by path (every file read, not only the linted ones). */
  problems?: Record<string, ParseProblem[]>;
  settings?: { database: string; versionText: string };
  /** Files read and files linted. */
  stats?: { files: number; targets: number };
  /** Rule metadata for SARIF and help texts; findings of unknown rules fall back to their own text. */
  rules?: readonly RuleMeta[];
  /** ANSI colour (text reporter only). */
  color?: boolean;
  /** Tool version for SARIF. */
  version?: string;
}

export type Reporter = (input: ReporterInput) => string;

export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

/** The rule index (generated from the rule modules); each rule's page is docs/rules/<rule-id>.md. */
export const RULES_DOC = 'docs/rules/README.md';
