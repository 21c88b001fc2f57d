/** The engine's own knowledge as documents: every rule's recipe and every playbook's recovery. */
import { playbooks } from '../playbooks/index.js';
import type { Playbook } from '../playbooks/types.js';
import { rules } from '../rules/index.js';
import type { Rule } from '../rules/types.js';
import type { KnowledgeDoc } from './types.js';

const DATABASE_NAMES: Readonly<Record<string, string>> = { postgresql: 'PostgreSQL', mysql: 'MySQL', mariadb: 'MariaDB', sqlite: 'SQLite', oracle: 'Oracle' };

function ruleDoc(rule: Rule): KnowledgeDoc {
  const databases = Object.keys(rule.databases).map((db) => DATABASE_NAMES[db] ?? db);
  return {
    id: `rule:${rule.id}`,
    kind: 'recipe',
    title: rule.summary,
    summary: `Rule \`${rule.id}\` (${rule.severity}; ${databases.join(', ')}).`,
    body: `${rule.why.trim()}\n\n**Safe alternative**\n\n${rule.safeAlternative.trim()}`,
    // The id's words ("add field not null"), the category and the messages: how findings name the risk.
    keywords: [rule.id.replace(/-/g, ' '), rule.category.replace(/-/g, ' '), ...Object.values(rule.messages).map((message) => message.replace(/\{\{\s*\w+\s*\}\}/g, ' '))].join(' \n'),
    source: `rule ${rule.id}`,
  };
}

function fenced(command: string): string {
  return `\n\n   \`\`\`bash\n   ${command.split('\n').join('\n   ')}\n   \`\`\``;
}

function playbookDoc(playbook: Playbook): KnowledgeDoc {
  const explanation = playbook.explain({});
  const steps = explanation.steps.map((step, i) => `${i + 1}. ${step.text}${step.command ? fenced(step.command) : ''}`).join('\n');
  const list = (items: readonly string[]) => items.map((item) => `- ${item}`).join('\n');
  const body = [
    explanation.meaning,
    explanation.likelyCauses.length > 0 ? `**Likely causes**\n\n${list(explanation.likelyCauses)}` : '',
    `**Recovery**\n\n${steps}`,
    explanation.verify.length > 0 ? `**Verify**\n\n${list(explanation.verify)}` : '',
    explanation.prevent.length > 0 ? `**Prevent it**\n\n${list(explanation.prevent)}` : '',
  ].filter(Boolean);
  return {
    id: `playbook:${playbook.id}`,
    kind: 'playbook',
    title: playbook.title,
    summary: playbook.summary,
    body: body.join('\n\n'),
    // The error texts the playbook recognises are what people quote in a question.
    keywords: [playbook.id.replace(/-/g, ' '), ...playbook.cases.match.map((example) => example.text.slice(0, 300))].join(' \n'),
    source: `playbook ${playbook.id}`,
  };
}

export function engineDocuments(): KnowledgeDoc[] {
  return [...rules.map(ruleDoc), ...playbooks.map(playbookDoc)];
}
