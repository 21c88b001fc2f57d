import { beforeAll, describe, expect, it } from 'vitest';
import { buildGraph, initParser, parseMigration } from '../../../src/engine/index.js';
import type { GraphReport } from '../../../src/engine/index.js';
import { AppError } from '../../../src/errors.js';
import { createPlaybookGrounder } from '../../../src/pipeline/grounders/index.js';
import { INCONSISTENT_TRACEBACK, fenced, groundContext, question } from './samples.js';

function migration(app: string, name: string, deps: Array<[string, string]>): { path: string; text: string } {
  const dependencies = deps.map(([depApp, depName]) => `("${depApp}", "${depName}")`).join(', ');
  return {
    path: `${app}/migrations/${name}.py`,
    text: `from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    dependencies = [${dependencies}]\n    operations = []\n`,
  };
}

let repoGraph: GraphReport;
beforeAll(async () => {
  await initParser();
  const sources = [
    migration('shop', '0001_initial', []),
    migration('shop', '0002_order_paid', [['shop', '0001_initial']]),
    migration('shop', '0003_order_coupon', [['shop', '0002_order_paid']]),
    migration('billing', '0001_initial', [['shop', '0001_initial']]),
  ];
  repoGraph = buildGraph(sources.map((source) => parseMigration(source.text, { path: source.path }))).report();
});

const SHOWMIGRATIONS = `billing
 [X] 0001_initial
shop
 [X] 0001_initial
 [ ] 0002_order_paid
 [X] 0002_order_legacy
`;

describe('playbook grounder', () => {
  it('diagnoses a pasted InconsistentMigrationHistory traceback with the app and migration names in the commands', async () => {
    const grounding = await createPlaybookGrounder().ground(question(`prod deploy failed:\n${fenced(INCONSISTENT_TRACEBACK, '')}`), groundContext());
    const markdown = grounding?.deterministicMarkdown ?? '';
    expect(markdown).toContain('**Diagnosis: InconsistentMigrationHistory');
    expect(markdown).toContain('python manage.py showmigrations billing ledger');
    expect(markdown).toContain('python manage.py migrate ledger 0003_account_currency --fake');
    expect(markdown).toMatch(/\*\*Recovery\*\*\n1\. /);
    expect(markdown).toContain('**Verify**');
    expect(markdown).toContain('**Prevent**');
    expect((markdown.match(/```/g) ?? []).length % 2).toBe(0);
    const context = grounding?.contextForModel ?? '';
    expect(context).toContain('deterministic playbooks');
    expect(context).toContain('"dependencyApp":"ledger"');
    expect(context).toContain('**Likely causes**');
  });

  it('reads errors from a shared log file, most confident diagnosis first, at most three shown', async () => {
    const log = [
      'Migrations for \'shop\':',
      'psycopg.errors.LockNotAvailable: canceling statement due to lock timeout',
      'django.db.migrations.exceptions.NodeNotFoundError: Migration shop.0044_x dependencies reference nonexistent parent node (\'shop\', \'0043_gone\')',
      'CommandError: Conflicting migrations detected; multiple leaf nodes in the migration graph: (0042_a, 0042_b in shop).',
      "django.db.migrations.exceptions.IrreversibleError: Operation <RunPython <function forwards at 0x7f>> in shop.0040_fill is not reversible",
      INCONSISTENT_TRACEBACK,
    ].join('\n');
    const grounding = await createPlaybookGrounder().ground(question('what now?', { files: [{ name: 'deploy.log', text: log }] }), groundContext());
    const markdown = grounding?.deterministicMarkdown ?? '';
    expect((markdown.match(/\*\*Diagnosis: /g) ?? []).length).toBe(3);
    expect(markdown).toContain('_Also recognised: ');
    expect(markdown).not.toContain('confidence: low');
  });

  it('returns nothing for a question with no error or command output in it', async () => {
    expect(await createPlaybookGrounder().ground(question('How do I squash migrations in an app with RunPython?'), groundContext())).toBeUndefined();
  });

  it('summarises showmigrations without a repository and compares it with the linked graph when there is one', async () => {
    const alone = await createPlaybookGrounder().ground(question(fenced(SHOWMIGRATIONS, '')), groundContext());
    expect(alone?.deterministicMarkdown).toContain('**showmigrations**: 2 apps, 3 applied, 1 not applied (`shop.0002_order_paid`)');
    expect(alone?.deterministicMarkdown).not.toContain('Compared with the linked repository');

    const statuses: string[] = [];
    const asked: string[] = [];
    const grounder = createPlaybookGrounder({
      graphFor: async (q) => {
        asked.push(q.id);
        return repoGraph;
      },
    });
    const q = question(`why is prod odd?\n${fenced(SHOWMIGRATIONS, '')}`);
    const grounding = await grounder.ground(q, groundContext(statuses));
    const markdown = grounding?.deterministicMarkdown ?? '';
    expect(asked).toEqual([q.id]);
    expect(statuses[0]).toMatch(/Comparing/);
    expect(markdown).toContain('**Compared with the linked repository**');
    expect(markdown).toContain('Not applied yet, in plan order: `shop.0002_order_paid`');
    expect(markdown).toContain('Recorded as applied but not in the repository (deleted, renamed, or from another branch): `shop.0002_order_legacy`');
    expect(markdown).toContain('In the repository but not in the pasted output (newer than the deployed code?): `shop.0003_order_coupon`');
    expect(markdown).toContain('Applied although an earlier migration of the same app is not (check whether it depends on it): `shop.0002_order_legacy` before `shop.0002_order_paid`');
    expect(grounding?.contextForModel).toContain('shop.0003_order_coupon');
  });

  it('says when the linked repository could not be read, and still summarises the output', async () => {
    const grounder = createPlaybookGrounder({
      graphFor: async () => {
        throw new AppError('github_rate_limited', 'GitHub’s rate limit for this app is used up until 14:05 UTC.');
      },
    });
    const markdown = (await grounder.ground(question(SHOWMIGRATIONS), groundContext()))?.deterministicMarkdown ?? '';
    expect(markdown).toContain('**showmigrations**');
    expect(markdown).toContain('could not read the linked repository’s migrations');
    expect(markdown).toContain('rate limit for this app is used up');
  });
});
