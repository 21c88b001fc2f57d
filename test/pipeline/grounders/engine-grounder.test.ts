import { describe, expect, it } from 'vitest';
import type { EngineSettings } from '../../../src/engine/index.js';
import { createEngineGrounder } from '../../../src/pipeline/grounders/index.js';
import type { Grounding, Question } from '../../../src/pipeline/types.js';
import { ADD_INDEX, ADD_NOT_NULL, INITIAL, NOT_A_MIGRATION, NULLABLE_FIELD, SET_NOT_NULL, fenced, groundContext, question } from './samples.js';

const postgres = createEngineGrounder({ settingsFor: () => ({ database: 'postgresql', databaseVersion: '16' }) });

async function ground(grounder: ReturnType<typeof createEngineGrounder>, q: Question): Promise<Grounding | undefined> {
  return grounder.ground(q, groundContext());
}

describe('engine grounder', () => {
  it('flags a fenced AddField NOT NULL without db_default, with the safe alternative in the model context', async () => {
    const statuses: string[] = [];
    const grounding = await postgres.ground(question(`Is this safe to deploy?\n${fenced(ADD_NOT_NULL)}`), groundContext(statuses));

    const markdown = grounding?.deterministicMarkdown ?? '';
    expect(markdown).toContain('**Engine findings**');
    expect(markdown).toContain('PostgreSQL 16');
    expect(markdown).toContain('`add-field-not-null-without-db-default`');
    expect(markdown).toContain('the pasted migration, line 11 (AddField)');
    expect(markdown).toContain('_Safe alternative:_');
    // Code fences from the recipe stay whole.
    expect((markdown.match(/```/g) ?? []).length % 2).toBe(0);

    const context = grounding?.contextForModel ?? '';
    expect(context).toContain('deterministic engine');
    expect(context).toContain('[error] add-field-not-null-without-db-default');
    expect(context).toMatch(/Safe alternative:\n[\s\S]*db_default/);
    expect(context).toContain('AddField order.paid: BooleanField()');
    expect(statuses).toEqual(['Checking the pasted migration…']);
  });

  it('analyses a pasted 0001 and 0002 together: the NOT NULL change is only visible with 0001 in hand', async () => {
    const alone = await ground(postgres, question(fenced(SET_NOT_NULL)));
    expect(alone?.deterministicMarkdown).not.toContain('alter-field-set-not-null');

    const text = `Our two migrations:\n\`shop/migrations/0001_initial.py\`\n${fenced(INITIAL)}\nand then\n${fenced(SET_NOT_NULL, '')}`;
    const both = await ground(postgres, question(text));
    const markdown = both?.deterministicMarkdown ?? '';
    expect(markdown).toContain('for the 2 pasted migrations');
    expect(markdown).toContain('`alter-field-set-not-null`');
    expect(markdown).toContain('pasted migration 2, line 8 (AlterField)');
    expect(both?.contextForModel).toContain('- shop.0001_initial');
    expect(both?.contextForModel).toContain('dependencies: shop.0001_initial');
  });

  it('names pasted pieces from dependencies when the question does not name them', async () => {
    const text = `${fenced(INITIAL)}\n${fenced(SET_NOT_NULL)}`;
    const grounding = await ground(postgres, question(text));
    expect(grounding?.deterministicMarkdown).toContain('`alter-field-set-not-null`');
    expect(grounding?.contextForModel).toContain('- shop.0001_initial');
  });

  it('reports two pasted migrations on the same parent as a conflict, but not unrelated unnamed pastes', async () => {
    const named = `\`shop/migrations/0042_order_paid.py\`\n${fenced(ADD_NOT_NULL)}\nand on the other branch \`shop/migrations/0042_order_coupon.py\`\n${fenced(NULLABLE_FIELD)}`;
    expect((await ground(postgres, question(named)))?.deterministicMarkdown).toContain('`multiple-leaf-nodes`');
    const unnamed = `${fenced(ADD_NOT_NULL)}\n${fenced(NULLABLE_FIELD)}`;
    expect((await ground(postgres, question(unnamed)))?.deterministicMarkdown).not.toContain('multiple-leaf-nodes');
  });

  it('checks a shared .py file and says so by name', async () => {
    const q = question('Can we ship this on Friday?', { files: [{ name: '0042_order_paid.py', text: ADD_NOT_NULL }] });
    const markdown = (await ground(postgres, q))?.deterministicMarkdown ?? '';
    expect(markdown).toContain('for the shared file `0042_order_paid.py`');
    expect(markdown).toContain('file `0042_order_paid.py`, line 11 (AddField)');
    expect(markdown).toContain('add-field-not-null-without-db-default');
  });

  it('uses the settings of each question: an AddIndex is a finding on PostgreSQL, not on MySQL', async () => {
    const byChannel = createEngineGrounder({
      settingsFor: (q): EngineSettings => (q.channel === 'C_MYSQL' ? { database: 'mysql', databaseVersion: '8.0' } : { database: 'postgresql', databaseVersion: '16' }),
    });
    const onPostgres = await ground(byChannel, question(fenced(ADD_INDEX), { channel: 'C_PG' }));
    const onMysql = await ground(byChannel, question(fenced(ADD_INDEX), { channel: 'C_MYSQL' }));
    expect(onPostgres?.deterministicMarkdown).toContain('`add-index-non-concurrent`');
    expect(onMysql?.deterministicMarkdown).not.toContain('add-index-non-concurrent');
    expect(onMysql?.deterministicMarkdown).toContain('MySQL 8.0');
  });

  it('says plainly when the pasted migration is clean', async () => {
    const grounding = await ground(postgres, question(fenced(NULLABLE_FIELD)));
    expect(grounding?.deterministicMarkdown).toContain('No risky operations found in the pasted migration for PostgreSQL 16');
    expect(grounding?.contextForModel).toContain('Findings: none');
  });

  it('reads unfenced migration code and bare operation lists', async () => {
    const unfenced = await ground(postgres, question(`is this ok?\n\n${ADD_NOT_NULL}`));
    expect(unfenced?.deterministicMarkdown).toContain('add-field-not-null-without-db-default');
    const bare = await ground(postgres, question(fenced('migrations.AddField(model_name="order", name="paid", field=models.BooleanField()),\n')));
    expect(bare?.deterministicMarkdown).toContain('add-field-not-null-without-db-default');
  });

  it('returns nothing for Python that is not a migration, prose, or a traceback quoting migration code', async () => {
    expect(await ground(postgres, question(fenced(NOT_A_MIGRATION)))).toBeUndefined();
    expect(await ground(postgres, question('Why does AddField with a default lock my table on PostgreSQL 10?'))).toBeUndefined();
    expect(await ground(postgres, question('see', { files: [{ name: 'models.py', text: NOT_A_MIGRATION }] }))).toBeUndefined();
    const traceback = 'Traceback (most recent call last):\n  File "shop/migrations/0042_x.py", line 9, in Migration\n    migrations.RunPython(forwards),\nNameError: name \'forwards\' is not defined';
    expect(await ground(postgres, question(fenced(traceback, '')))).toBeUndefined();
  });

  it('skips a shared file over the size cap with a note, and reports parse problems', async () => {
    const huge = `${ADD_NOT_NULL}\n${'# padding\n'.repeat(25_000)}`;
    const skipped = await ground(postgres, question('review', { files: [{ name: '0042_big.py', text: huge }] }));
    expect(skipped?.deterministicMarkdown).toMatch(/`0042_big\.py` is \d+ KB; I check shared files up to 200 KB/);

    const broken = `${ADD_NOT_NULL.replace('operations = [', 'operations = [\n        migrations.AddField(model_name=,')}`;
    const partly = await ground(postgres, question(fenced(broken)));
    expect(partly?.deterministicMarkdown).toContain('**Could not read everything**');
  });

  it('never throws: bad settings and failing settings give a short note', async () => {
    const invalid = createEngineGrounder({ settingsFor: () => ({ database: 'postgresql', disabledRules: ['no-such-rule'] }) });
    expect((await ground(invalid, question(fenced(ADD_NOT_NULL))))?.deterministicMarkdown).toMatch(/engine settings for this channel are not valid.*no-such-rule/);
    const failing = createEngineGrounder({
      settingsFor: () => {
        throw new Error('store down');
      },
    });
    expect((await ground(failing, question(fenced(ADD_NOT_NULL))))?.deterministicMarkdown).toMatch(/could not run its own checks/);
  });
});
