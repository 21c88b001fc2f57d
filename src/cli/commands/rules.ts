/** `rules`: the rule catalogue (id, severity, databases, summary). */
import { rules as registry } from '../../engine/index.js';
import type { Database, Severity } from '../../engine/index.js';

export interface RuleRow {
  id: string;
  severity: Severity;
  severityByDatabase?: Partial<Record<Database, Severity>>;
  databases: Partial<Record<Database, string>>;
  optIn: boolean;
  category: string;
  summary: string;
}

export function listRules(): RuleRow[] {
  return [...registry]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((rule) => ({
      id: rule.id,
      severity: rule.severity,
      ...(rule.severityByDatabase ? { severityByDatabase: rule.severityByDatabase } : {}),
      databases: rule.databases,
      optIn: rule.optIn === true,
      category: rule.category,
      summary: rule.summary,
    }));
}
