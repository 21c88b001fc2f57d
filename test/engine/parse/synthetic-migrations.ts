/**
 * fast-check arbitraries for whole migration files in the shapes real projects have: what
 * makemigrations writes (CreateModel with fields, AddField, AlterField, indexes, constraints,
 * swappable dependencies) and what people write by hand (RunSQL with constants and reverse SQL,
 * RunPython with functions in the file, SeparateDatabaseAndState, comments, odd layout).
 */
import fc from 'fast-check';

const identifier = fc.constantFrom('order', 'line', 'customer', 'product_variant', 'café', 'Item', 'x', 'status', 'created_at', 'is_active');
const appLabel = fc.constantFrom('shop', 'accounts', 'wagtailcore', 'dcim', 'builds', 'auth', 'contenttypes');
const migrationName = fc.constantFrom('0001_initial', '0002_auto_20240101_1200', '0042_order_note', '__first__', '0007_remove_line_price');
const quote = fc.constantFrom('"', "'");

const stringLiteral = fc.tuple(quote, fc.constantFrom('', 'text', 'it\'s', 'a "b"', 'tab\\there', 'café ü', 'SELECT 1', '%s', '{x}', 'line\\nbreak', '\\u00e9')).map(([q, text]) => {
  const body = q === "'" ? text.replace(/'/g, "\\'") : text.replace(/"/g, '\\"');
  return `${q}${body}${q}`;
});

const scalar = fc.oneof(
  stringLiteral,
  fc.constantFrom('True', 'False', 'None', '0', '-1', '1_000', '0x1F', '2.5', '-0.5e3', '1.'),
  fc.integer({ min: -5, max: 100_000 }).map(String),
);

/** Keyword arguments of a field: the ones makemigrations writes. */
const fieldKwarg = fc.oneof(
  fc.constantFrom('null=True', 'blank=True', 'db_index=True', 'unique=True', 'editable=False', 'primary_key=True', 'serialize=False', 'auto_created=True'),
  fc.integer({ min: 1, max: 512 }).map((n) => `max_length=${n}`),
  scalar.map((value) => `default=${value}`),
  stringLiteral.map((value) => `verbose_name=${value}`),
  stringLiteral.map((value) => `help_text=${value}`),
  fc.constantFrom('default=django.utils.timezone.now', 'default=uuid.uuid4', 'default=list', 'default=dict', 'default=lambda: "x"'),
  fc.constantFrom('choices=[("a", "A"), ("b", "B")]', 'choices=[(1, "One"), (2, "Two")]', "validators=[django.core.validators.MinValueValidator(0)]"),
  fc.constantFrom('related_name="+"', 'related_name="lines"', 'to_field="id"', 'db_column="legacy_id"'),
);

const simpleFieldType = fc.constantFrom('CharField', 'TextField', 'IntegerField', 'BooleanField', 'DateTimeField', 'UUIDField', 'JSONField', 'PositiveIntegerField', 'SlugField', 'BigAutoField', 'EmailField');

const fieldCall = fc.oneof(
  fc.tuple(simpleFieldType, fc.uniqueArray(fieldKwarg, { maxLength: 4, selector: (kw) => kw.split('=')[0] })).map(([type, kwargs]) => `models.${type}(${kwargs.join(', ')})`),
  fc.tuple(appLabel, identifier, fc.constantFrom('CASCADE', 'PROTECT', 'SET_NULL', 'DO_NOTHING'), fc.boolean()).map(
    ([app, model, onDelete, positional]) => (positional ? `models.ForeignKey("${app}.${model}", models.${onDelete}, null=True)` : `models.ForeignKey(on_delete=django.db.models.deletion.${onDelete}, to="${app}.${model}")`),
  ),
  fc.constantFrom('models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL)', 'models.ManyToManyField(blank=True, to="shop.tag")', 'models.DecimalField(decimal_places=2, max_digits=12, default=decimal.Decimal("0.00"))', 'models.DecimalField("price", None, 10, 2)', 'django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=32), size=None, default=list)', 'models.OneToOneField(on_delete=models.CASCADE, primary_key=True, serialize=False, to="shop.order")'),
);

/** An operation call, written one of the ways people write them. */
function operation(depth: number): fc.Arbitrary<string> {
  const model = identifier;
  const leaf = fc.oneof(
    fc.tuple(model, identifier, fieldCall, fc.boolean()).map(([m, n, field, positional]) => (positional ? `migrations.AddField("${m}", "${n}", ${field})` : `migrations.AddField(model_name="${m}", name="${n}", field=${field}, preserve_default=False)`)),
    fc.tuple(model, identifier, fieldCall).map(([m, n, field]) => `migrations.AlterField(\n            model_name="${m}",\n            name="${n}",\n            field=${field},\n        )`),
    fc.tuple(model, identifier).map(([m, n]) => `migrations.RemoveField(model_name="${m}", name="${n}")`),
    fc.tuple(model, identifier, identifier).map(([m, a, b]) => `migrations.RenameField("${m}", "${a}", "${b}")`),
    fc.tuple(model, fc.array(fc.tuple(identifier, fieldCall), { minLength: 1, maxLength: 4 }), fc.boolean()).map(
      ([m, fields, options]) => `migrations.CreateModel(\n            name="${m}",\n            fields=[\n${fields.map(([n, f]) => `                ("${n}", ${f}),\n`).join('')}            ],${options ? '\n            options={"ordering": ["-id"], "abstract": False, "verbose_name_plural": "things"},\n            bases=(models.Model,),' : ''}\n        )`,
    ),
    model.map((m) => `migrations.DeleteModel(name="${m}")`),
    fc.tuple(model, identifier).map(([m, n]) => `migrations.AddIndex(model_name="${m}", index=models.Index(fields=["${n}", "-id"], name="${m}_${n}_idx"))`),
    fc.tuple(model, identifier).map(([m, n]) => `AddIndexConcurrently("${m}", models.Index(fields=["${n}"], name="${n}_idx"))`),
    fc.tuple(model, identifier).map(([m, n]) => `migrations.AddConstraint(model_name="${m}", constraint=models.UniqueConstraint(fields=("${n}",), name="uniq_${n}", condition=models.Q(("${n}__isnull", False))))`),
    fc.tuple(model, identifier).map(([m, n]) => `migrations.AlterUniqueTogether(name="${m}", unique_together={("${n}", "id")})`),
    fc.constantFrom(
      'migrations.RunSQL(SQL, reverse_sql=migrations.RunSQL.noop)',
      'migrations.RunSQL("UPDATE shop_order SET note = \'\'", "SELECT 1")',
      'migrations.RunSQL(sql=["CREATE INDEX CONCURRENTLY a ON b (c)", ("SELECT %s", [1])], reverse_sql=[], elidable=True)',
      'migrations.RunSQL(\n            "ALTER TABLE t "\n            "ADD COLUMN c int",\n            hints={"target_db": "default"},\n        )',
      'migrations.RunPython(forwards, backwards)',
      'migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)',
      'migrations.RunPython(code=forwards, reverse_code=lambda apps, schema_editor: None, atomic=False)',
      'migrations.RunPython(functools.partial(forwards, batch=100))',
      'migrations.AlterModelOptions(name="order", options={"permissions": (("can_ship", "Can ship"),)})',
      'migrations.AlterModelTable("order", "legacy_order")',
      'CreateExtension("pg_trgm")',
      'migrations.AlterField(model_name="order", name="status", field=models.CharField(choices=Status.choices, default=Status.NEW, max_length=8))',
    ),
  );
  if (depth >= 1) return leaf;
  return fc.oneof(
    { arbitrary: leaf, weight: 8 },
    {
      arbitrary: fc.tuple(fc.array(operation(depth + 1), { maxLength: 2 }), fc.array(operation(depth + 1), { maxLength: 2 })).map(
        ([db, state]) => `migrations.SeparateDatabaseAndState(\n            database_operations=[${db.join(', ')}],\n            state_operations=[\n${state.map((op) => `                ${op},\n`).join('')}            ],\n        )`,
      ),
      weight: 1,
    },
  );
}

const dependency = fc.oneof(
  fc.tuple(appLabel, migrationName, quote).map(([app, name, q]) => `(${q}${app}${q}, ${q}${name}${q})`),
  fc.constant('migrations.swappable_dependency(settings.AUTH_USER_MODEL)'),
);

const FUNCTIONS = `def forwards(apps, schema_editor):
    Order = apps.get_model("shop", "Order")
    db_alias = schema_editor.connection.alias
    for order in Order.objects.using(db_alias).filter(note__isnull=True).iterator(chunk_size=500):
        order.note = ""
        order.save(update_fields=["note"])
    Order.objects.filter(pk__gt=0).update(total=0)


def backwards(apps, schema_editor):
    pass
`;

const header = fc.subarray(
  [
    'import decimal',
    'import functools',
    'import uuid',
    'import django.core.validators',
    'import django.db.models.deletion',
    'import django.utils.timezone',
    'import django.contrib.postgres.fields',
    'from django.conf import settings',
    'from django.contrib.postgres.operations import AddIndexConcurrently, CreateExtension',
    'from shop.models import Status',
  ],
  { minLength: 0 },
);

/** One layout choice applied to the whole file: comments, blank lines, a docstring. */
const decoration = fc.record({
  generatedBy: fc.boolean(),
  docstring: fc.boolean(),
  trailingComment: fc.boolean(),
  blankBetween: fc.boolean(),
  crlf: fc.constantFrom(false, false, false, true),
});

/** A whole migration file. */
/** Conditions of class-level `if` blocks and conditional expressions, as real files write them. */
const CONDITION = fc.constantFrom('settings.DEBUG', 'connection.vendor == "postgresql"', "not getattr(settings, 'X', True)", '(connection.vendor != "sqlite"\n            and settings.Y)');

/** Operations added by code after the literal list: `+=`, `.append`, `.extend`, `if`/`elif`/`else`, `[...] if c else []`. */
const builtOperations = fc.option(
  fc.record({
    form: fc.constantFrom('append', 'extend', 'plusEquals', 'ifElse', 'elif', 'ternary', 'plus'),
    condition: CONDITION,
    ops: fc.array(operation(0), { minLength: 1, maxLength: 2 }),
  }),
  { nil: null },
);

function renderBuilt(built: { form: string; condition: string; ops: string[] }): string[] {
  const { form, condition, ops } = built;
  const list = `[${ops.join(', ')}]`;
  const first = ops[0] as string;
  switch (form) {
    case 'append':
      return ops.map((op) => `    operations.append(${op})`);
    case 'extend':
      return [`    operations.extend(${list})`];
    case 'plusEquals':
      return [`    if ${condition}:`, `        operations += ${list}`];
    case 'ifElse':
      return [`    if ${condition}:  # vendor specific`, `        operations = [${first}]`, '    else:', `        operations.insert(0, ${ops[ops.length - 1] as string})`];
    case 'elif':
      return [`    if ${condition}:`, '        pass', '    elif settings.Z:', `        operations += ${list}`, '        if settings.W:', `            operations.append(${first})`, '    else:', '        pass'];
    case 'ternary':
      return [`    operations += ${list} if ${condition.replace(/\n\s*/g, ' ')} else []`];
    default:
      return [`    operations += [${first}] + ${list}`];
  }
}

export const syntheticMigration: fc.Arbitrary<string> = fc
  .record({
    built: builtOperations,
    imports: header,
    constants: fc.boolean(),
    functions: fc.boolean(),
    initial: fc.constantFrom(null, 'True', 'False'),
    atomic: fc.constantFrom(null, 'False'),
    dependencies: fc.array(dependency, { maxLength: 3 }),
    replaces: fc.array(fc.tuple(appLabel, migrationName).map(([a, n]) => `("${a}", "${n}")`), { maxLength: 2 }),
    operations: fc.array(operation(0), { maxLength: 6 }),
    decoration,
  })
  .map(({ built, imports, constants, functions, initial, atomic, dependencies, replaces, operations, decoration: d }) => {
    const lines: string[] = [];
    if (d.generatedBy) lines.push('# Generated by Django 5.1.4 on 2024-12-01 10:00', '');
    lines.push(...imports, 'from django.db import migrations, models', '');
    if (constants) lines.push('', 'SQL = """', 'UPDATE shop_order', 'SET note = \'\'', '"""', 'OTHER = ["SELECT 1"]');
    if (functions) lines.push('', '', ...FUNCTIONS.split('\n'));
    lines.push('', 'class Migration(migrations.Migration):');
    if (d.docstring) lines.push('    """Generated for the tests."""', '');
    if (initial) lines.push(`    initial = ${initial}`, '');
    if (atomic) lines.push(`    atomic = ${atomic}`, '');
    if (replaces.length > 0) lines.push(`    replaces = [${replaces.join(', ')}]`, '');
    lines.push('    dependencies = [', ...dependencies.map((dep) => `        ${dep},`), '    ]');
    if (d.blankBetween) lines.push('');
    lines.push('    operations = [');
    for (const op of operations) lines.push(`        ${op},${d.trailingComment ? '  # migrate-help: ignore run-sql-unknown' : ''}`);
    lines.push('    ]', '');
    if (built) lines.push(...renderBuilt(built), '');
    return lines.join(d.crlf ? '\r\n' : '\n');
  });
