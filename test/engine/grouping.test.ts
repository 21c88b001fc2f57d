/**
 * The runner's judgment across rules: findings on one operation with one risk are folded into the
 * most severe one (the others as related notes, in every output format), and tables created in the
 * unapplied batch (the targets of the run) count as new and empty for the lock rules.
 */
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../../src/engine/analyze.js';
import { renderJson, renderSarif, renderText } from '../../src/engine/report/index.js';

const INITIAL = `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("number", models.CharField(max_length=20)),
            ],
        ),
    ]
`;

/** AddField then a plain AddIndex on the same table: add-index-non-concurrent and index-build-under-exclusive-lock both say "index build". */
const FIELD_THEN_INDEX = `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AddField(model_name="order", name="channel", field=models.CharField(max_length=20, null=True)),
        migrations.AddIndex(model_name="order", index=models.Index(fields=["channel"], name="shop_order_channel_idx")),
    ]
`;

const SHIPMENT = `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="Shipment",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("code", models.CharField(max_length=20)),
            ],
        ),
    ]
`;

const SHIPMENT_INDEX = `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_shipment")]

    operations = [
        migrations.AddIndex(model_name="shipment", index=models.Index(fields=["code"], name="shop_shipment_code_idx")),
        migrations.AddField(model_name="shipment", name="carrier", field=models.CharField(max_length=20, default="post")),
    ]
`;

const files = {
  initial: { path: 'shop/migrations/0001_initial.py', text: INITIAL },
  fieldThenIndex: { path: 'shop/migrations/0002_order_channel.py', text: FIELD_THEN_INDEX },
  shipment: { path: 'shop/migrations/0002_shipment.py', text: SHIPMENT },
  shipmentIndex: { path: 'shop/migrations/0003_shipment_code_idx.py', text: SHIPMENT_INDEX },
};

describe('one finding per operation and risk', () => {
  it('folds the index findings on one AddIndex into one, the others as related notes', async () => {
    const report = await analyzeSources([files.initial, files.fieldThenIndex], { database: 'postgresql' }, { targets: [files.fieldThenIndex.path] });
    const onIndex = report.findings.filter((finding) => finding.operation?.type === 'AddIndex');
    expect(onIndex.map((finding) => finding.ruleId)).toEqual(['add-index-non-concurrent']);
    expect(onIndex[0]!.risk).toBe('index-build');
    expect(onIndex[0]!.related?.map((related) => related.ruleId)).toEqual(['index-build-under-exclusive-lock']);
    expect(onIndex[0]!.related?.[0]?.message).toContain('ACCESS EXCLUSIVE');

    const ungrouped = await analyzeSources([files.initial, files.fieldThenIndex], { database: 'postgresql' }, { targets: [files.fieldThenIndex.path], ungrouped: true });
    expect(ungrouped.findings.filter((finding) => finding.operation?.type === 'AddIndex').map((finding) => finding.ruleId).sort()).toEqual(['add-index-non-concurrent', 'index-build-under-exclusive-lock']);
  });

  it('keeps the most severe finding as the head', async () => {
    const report = await analyzeSources([files.initial, files.fieldThenIndex], { database: 'postgresql', severityOverrides: { 'index-build-under-exclusive-lock': 'error' } }, { targets: [files.fieldThenIndex.path] });
    const onIndex = report.findings.filter((finding) => finding.operation?.type === 'AddIndex');
    expect(onIndex.map((finding) => `${finding.ruleId}:${finding.severity}`)).toEqual(['index-build-under-exclusive-lock:error']);
    expect(onIndex[0]!.related?.map((related) => `${related.ruleId}:${related.severity}`)).toEqual(['add-index-non-concurrent:warning']);
  });

  it('keeps findings of different risks on one operation apart (a foreign key: constraint lock and index build)', async () => {
    const fk = `from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_shipment")]

    operations = [
        migrations.AddField(model_name="order", name="shipment", field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, to="shop.shipment")),
    ]
`;
    const path = 'shop/migrations/0003_order_shipment.py';
    const report = await analyzeSources([files.initial, files.shipment, { path, text: fk }], { database: 'postgresql' }, { targets: [path] });
    expect(report.findings.filter((finding) => finding.operation?.type === 'AddField').map((finding) => finding.ruleId).sort()).toEqual(['add-field-foreign-key', 'add-field-index']);
  });

  it('shows related notes in text, JSON and SARIF', async () => {
    const report = await analyzeSources([files.initial, files.fieldThenIndex], { database: 'postgresql' }, { targets: [files.fieldThenIndex.path] });
    const input = { findings: report.findings, settings: report.settings, stats: report.stats };
    expect(renderText(input)).toMatch(/Related: index-build-under-exclusive-lock \(warning\): AddIndex `shop_order_channel_idx`/);
    const json = JSON.parse(renderJson(input)) as { findings: Array<{ ruleId: string; related?: Array<{ ruleId: string }> }> };
    expect(json.findings.find((finding) => finding.ruleId === 'add-index-non-concurrent')?.related?.map((related) => related.ruleId)).toEqual(['index-build-under-exclusive-lock']);
    const sarif = JSON.parse(renderSarif(input)) as { runs: Array<{ results: Array<{ ruleId: string; relatedLocations?: Array<{ message: { text: string } }> }> }> };
    const result = sarif.runs[0]!.results.find((entry) => entry.ruleId === 'add-index-non-concurrent');
    expect(result?.relatedLocations?.[0]?.message.text).toMatch(/^index-build-under-exclusive-lock \(warning\): /);
  });
});

describe('tables created in the unapplied batch are empty', () => {
  const lockRules = ['add-index-non-concurrent', 'add-field-not-null-without-db-default'];

  it('reports no lock finding on a table an earlier target of the run created', async () => {
    const report = await analyzeSources([files.initial, files.shipment, files.shipmentIndex], { database: 'postgresql' }, { targets: [files.shipment.path, files.shipmentIndex.path] });
    expect(report.findings.filter((finding) => lockRules.includes(finding.ruleId))).toEqual([]);
  });

  it('still reports them when the table was created by a migration that is context (already applied)', async () => {
    const report = await analyzeSources([files.initial, files.shipment, files.shipmentIndex], { database: 'postgresql' }, { targets: [files.shipmentIndex.path] });
    expect(report.findings.filter((finding) => lockRules.includes(finding.ruleId)).map((finding) => finding.ruleId).sort()).toEqual(lockRules.slice().sort());
  });

  it('still reports them when every file read is a target: which are unapplied is then unknown', async () => {
    const report = await analyzeSources([files.initial, files.shipment, files.shipmentIndex], { database: 'postgresql' });
    expect(report.findings.filter((finding) => finding.path === files.shipmentIndex.path && lockRules.includes(finding.ruleId)).map((finding) => finding.ruleId).sort()).toEqual(lockRules.slice().sort());
  });

  it('reports no lock finding on a table created earlier in the same migration', async () => {
    const same = `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.CreateModel(name="Shipment", fields=[("id", models.BigAutoField(primary_key=True, serialize=False))]),
        migrations.AddField(model_name="shipment", name="carrier", field=models.CharField(max_length=20, default="post")),
        migrations.AddIndex(model_name="shipment", index=models.Index(fields=["carrier"], name="shop_shipment_carrier_idx")),
    ]
`;
    const path = 'shop/migrations/0002_shipment.py';
    const report = await analyzeSources([files.initial, { path, text: same }], { database: 'postgresql' }, { targets: [path] });
    expect(report.findings.filter((finding) => lockRules.includes(finding.ruleId) || finding.ruleId === 'index-build-under-exclusive-lock')).toEqual([]);
  });
});
