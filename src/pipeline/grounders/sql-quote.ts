/**
 * Under a risk warning in Slack: the statements its operation runs, quoted in a SQL block, each followed
 * by what it locks and whether it rewrites or scans the table. Shared by the pasted-migration checks and
 * the pull request risk report; the model's context gets the same facts as lines.
 */
import { statementFacts } from '../../engine/report/sql.js';
import type { PredictedStatement } from '../../engine/report/sql.js';
import { fence } from './markdown.js';

/** A warning quotes this many statements; the rest are counted. */
export const MAX_QUOTED_STATEMENTS = 3;
/** Longer statements (a CREATE TABLE with many columns) are cut: the lock line matters more than the column list. */
export const MAX_STATEMENT_CHARS = 300;

function cutStatement(sql: string): string {
  const flat = sql.trim().replace(/;$/, '');
  return flat.length <= MAX_STATEMENT_CHARS ? `${flat};` : `${flat.slice(0, MAX_STATEMENT_CHARS - 1).trimEnd()}… (cut)`;
}

/** The fenced block, or '' when nothing was predicted for the operation. */
export function quoteStatements(statements: readonly PredictedStatement[]): string {
  if (statements.length === 0) return '';
  const lines = statements.slice(0, MAX_QUOTED_STATEMENTS).flatMap((statement) => [cutStatement(statement.sql), `-- ${statementFacts(statement)}`]);
  const left = statements.length - MAX_QUOTED_STATEMENTS;
  if (left > 0) lines.push(`-- …and ${left} more statement${left === 1 ? '' : 's'}`);
  return fence(lines.join('\n'), 'sql');
}

/** The same statements for the model's context, one line each with its facts, uncut. */
export function predictedSqlLines(statements: readonly PredictedStatement[]): string[] {
  return statements.map((statement) => `Predicted SQL: ${statement.sql.trim()} -- ${statementFacts(statement)}`);
}
