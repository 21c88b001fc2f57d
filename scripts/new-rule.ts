/**
 * `npm run new-rule <id>`: scaffold src/engine/rules/<id>.ts with every field a rule needs and
 * empty cases (the rule tests fail until bad and good cases are written), then regenerate the
 * registry and docs. docs/writing-rules.md describes the API the template uses.
 */
import { access, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function ruleTemplate(id: string): string {
  return `import { defineRule } from './types.js';

export default defineRule({
  id: '${id}',
  severity: 'warning',
  databases: { postgresql: '*' },
  category: 'locking',
  summary: 'TODO: one line for the rules table.',
  messages: {
    todo: 'TODO: what is unsafe about {{model}} and why, in one sentence for someone mid-incident.',
  },
  why: 'TODO: the lock taken, the rewrite, the rolling-deploy breakage or the data loss, with the database behaviour behind it.',
  safeAlternative: [
    'TODO: the safe recipe, step by step, with complete code:',
    '',
    '\`\`\`python',
    'from django.db import migrations',
    '\`\`\`',
  ].join('\\n'),
  links: [],
  // The operation types the rule reports on: the runner skips files without them, and ctx.each takes only these.
  operationTypes: ['AddField'],
  check(ctx) {
    ctx.each((op, _before, visit) => {
      if (!visit.dbEffective) return;
      // TODO: the condition that makes this operation unsafe. Shared facts are in ./_lib/ (tables.ts:
      // touchesExistingTable, modelLabel, previousField…); docs/writing-rules.md lists them.
      ctx.report({ messageId: 'todo', op, arg: 'field', data: { model: visit.model ?? 'unknown' } });
    });
  },
  cases: {
    // Whole migration files; bad cases list the findings expected, by message id and line.
    bad: [],
    good: [],
  },
});
`;
}

export function validRuleId(id: string): boolean {
  return /^[a-z0-9]+(-[a-z0-9]+)+$/.test(id);
}

async function main(argv: readonly string[]): Promise<number> {
  const id = argv[0];
  if (!id || !validRuleId(id)) {
    console.error('usage: npm run new-rule <rule-id>   (kebab-case, at least two words, e.g. add-field-array-default)');
    return 2;
  }
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const path = join(root, 'src/engine/rules', `${id}.ts`);
  try {
    await access(path);
    console.error(`src/engine/rules/${id}.ts already exists; rule ids never change once shipped, pick another id.`);
    return 1;
  } catch {
    // Not there yet: good.
  }
  await writeFile(path, ruleTemplate(id), { flag: 'wx' });
  console.log(`created src/engine/rules/${id}.ts`);
  const { generate } = await import('./gen.js');
  const { files } = await generate(root);
  for (const file of files) await writeFile(join(root, file.path), file.content);
  console.log(`updated ${files.map((file) => file.path).join(', ')}`);
  console.log('next: write the check, the messages and at least one bad and one good case, then `npx vitest run test/engine/rules.test.ts`');
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`new-rule failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
