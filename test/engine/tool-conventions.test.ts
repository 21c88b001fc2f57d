/**
 * The conventions of the migration tools teams already use, through the real registry: what they make safe is
 * not reported, what they leave alone still is.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/engine/analyze.js';
import { initParser, parseMigration } from '../../src/engine/parse/index.js';
import { SHOP_INITIAL, SHOP_INITIAL_PATH } from '../../src/engine/rules/_lib/cases.js';
import type { EngineSettings } from '../../src/engine/types.js';

beforeAll(async () => {
  await initParser();
});

function lint(path: string, text: string, settings: Partial<EngineSettings> = {}) {
  const files = [parseMigration(SHOP_INITIAL, { path: SHOP_INITIAL_PATH }), parseMigration(text, { path })];
  const report = analyze(files, settings, { targets: [path] });
  return report.findings.map((finding) => finding.ruleId);
}

const REMOVE_NUMBER = (header: string, attributes: string) => `from django.db import migrations
${header}

class Migration(migrations.Migration):
${attributes}    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.RemoveField(model_name="order", name="number"),
    ]
`;

describe('tool conventions', () => {
  it('django-migration-linter IgnoreMigration(): only the info finding saying the file is skipped', () => {
    const marked = REMOVE_NUMBER('from django_migration_linter import IgnoreMigration\n', '').replace('    operations = [\n', '    operations = [\n        IgnoreMigration(),\n');
    expect(lint('shop/migrations/0002_remove_order_number.py', marked)).toEqual(['ignored-migration']);
    expect(lint('shop/migrations/0002_remove_order_number.py', REMOVE_NUMBER('', ''))).toContain('remove-field');
  });

  it('Sentry is_post_deployment = True: the rolling-deploy removal finding is not raised', () => {
    const post = REMOVE_NUMBER('', '    is_post_deployment = True\n');
    expect(lint('shop/migrations/0002_remove_order_number.py', post)).not.toContain('remove-field');
    const pre = REMOVE_NUMBER('', '    is_post_deployment = False\n');
    expect(lint('shop/migrations/0002_remove_order_number.py', pre)).toContain('remove-field');
  });

  it('Sentry SafeRemoveField MOVE_TO_PENDING: neither a removal nor an unknown-operation finding', () => {
    const text = `from sentry.new_migrations.migrations import CheckedMigration
from sentry.new_migrations.monkey.fields import SafeRemoveField
from sentry.new_migrations.monkey.state import DeletionAction


class Migration(CheckedMigration):
    is_post_deployment = False
    dependencies = [("shop", "0001_initial")]

    operations = [
        SafeRemoveField(model_name="order", name="number", deletion_action=DeletionAction.MOVE_TO_PENDING),
    ]
`;
    expect(lint('shop/migrations/0002_order_number_pending.py', text)).toEqual([]);
  });

  it('django-add-default-value AddDefaultValue after a NOT NULL AddField: no finding for the dropped default', () => {
    const add = (extra: string) => `from django.db import migrations, models
from django_add_default_value import AddDefaultValue


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AddField(model_name="order", name="channel", field=models.CharField(default="web", max_length=32)),
${extra}    ]
`;
    expect(lint('shop/migrations/0002_order_channel.py', add('        AddDefaultValue(model_name="order", name="channel", value="web"),\n'))).toEqual([]);
    expect(lint('shop/migrations/0002_order_channel.py', add(''))).toContain('add-field-not-null-without-db-default');
  });

  it('django-pg-zero-downtime-migrations backend: index and constraint lock findings off, the rest kept', () => {
    const text = `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AddIndex(model_name="order", index=models.Index(fields=["status"], name="shop_order_status_idx")),
        migrations.AddConstraint(model_name="order", constraint=models.CheckConstraint(condition=models.Q(total__gte=0), name="shop_order_total_gte_0")),
        migrations.AlterField(model_name="order", name="status", field=models.IntegerField()),
    ]
`;
    const plain = lint('shop/migrations/0002_order_status.py', text);
    expect(plain).toEqual(expect.arrayContaining(['add-index-non-concurrent', 'add-check-constraint', 'alter-field-type']));
    const rewritten = lint('shop/migrations/0002_order_status.py', text, { zeroDowntimeBackend: true });
    expect(rewritten).not.toContain('add-index-non-concurrent');
    expect(rewritten).not.toContain('add-check-constraint');
    expect(rewritten).toContain('alter-field-type');
    // The backend is PostgreSQL-only: on MySQL the switch changes nothing.
    expect(lint('shop/migrations/0002_order_status.py', text, { database: 'mysql', zeroDowntimeBackend: true })).toEqual(lint('shop/migrations/0002_order_status.py', text, { database: 'mysql' }));
  });
});
