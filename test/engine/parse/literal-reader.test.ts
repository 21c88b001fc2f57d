/**
 * The literal reader must give exactly what the tree-sitter reader gives, or give up. Every
 * comparison here parses the same text both ways and compares the whole MigrationFile.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initParser, parseMigration } from '../../../src/engine/parse/index.js';
import { literalReaderCounts } from '../../../src/engine/parse/literal-module.js';
import { useLiteralReader } from '../../../src/engine/parse/migration.js';
import { rules } from '../../../src/engine/rules/index.js';
import type { MigrationFile, Operation } from '../../../src/engine/types.js';
import { syntheticMigration } from './synthetic-migrations.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));
const PATH = 'shop/migrations/0002_change.py';

function pythonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return pythonFiles(path);
    return name.endsWith('.py') ? [path] : [];
  });
}

function readBoth(source: string, path = PATH): { tree: MigrationFile; literal: MigrationFile; literalRead: boolean } {
  useLiteralReader(false);
  const tree = parseMigration(source, { path });
  useLiteralReader(true);
  const before = literalReaderCounts.read;
  const literal = parseMigration(source, { path });
  return { tree, literal, literalRead: literalReaderCounts.read > before };
}

/** Every argument in `args` has its place in `argSpans`, so comparing the files compares every span. */
function expectEveryArgumentPlaced(operations: readonly Operation[]): void {
  for (const op of operations) {
    expect(Object.keys(op.argSpans ?? {})).toEqual(Object.keys(op.args));
    for (const children of Object.values(op.children ?? {})) expectEveryArgumentPlaced(children);
  }
}

function expectSame(source: string, path = PATH): boolean {
  const { tree, literal, literalRead } = readBoth(source, path);
  expectEveryArgumentPlaced(tree.operations);
  expect(literal).toEqual(tree);
  // Same keys in the same order too: the JSON output and snapshots depend on it.
  expect(JSON.stringify(literal)).toBe(JSON.stringify(tree));
  return literalRead;
}

beforeAll(async () => {
  await initParser();
});

afterEach(() => {
  useLiteralReader(true);
});

describe('literal reader agrees with the tree-sitter reader', () => {
  it('on every fixture file', () => {
    const files = pythonFiles(FIXTURES);
    expect(files.length).toBeGreaterThan(25);
    let read = 0;
    for (const file of files) if (expectSame(readFileSync(file, 'utf8'), file.slice(FIXTURES.length))) read++;
    // Most fixtures are ordinary migrations: the literal reader must actually read them.
    expect(read).toBeGreaterThanOrEqual(12);
  });

  it('on every bad and good example of every rule', () => {
    let cases = 0;
    let read = 0;
    for (const rule of rules) {
      for (const example of [...rule.cases.bad, ...rule.cases.good]) {
        for (const [path, code] of [[example.path ?? 'app/migrations/0002_change.py', example.code], ...Object.entries(example.context ?? {})] as Array<[string, string]>) {
          cases++;
          if (expectSame(code, path)) read++;
        }
      }
    }
    expect(cases).toBeGreaterThan(150);
    expect(read / cases).toBeGreaterThan(0.8);
    expect(literalReaderCounts.defects).toBe(0);
  });
});

const HEADER = 'from django.db import migrations, models\n\n\n';
const wrap = (body: string): string => `${HEADER}class Migration(migrations.Migration):\n${body}`;

/** Shapes the literal reader reads itself; each must equal the tree reader's result. */
const READ: Array<[string, string]> = [
  ['plain makemigrations output', wrap('    initial = True\n\n    dependencies = [("shop", "0001_initial")]\n\n    operations = [\n        migrations.AddField(\n            model_name="order",\n            name="note",\n            field=models.TextField(blank=True, default=""),\n        ),\n    ]\n')],
  ['strings of every kind', wrap(`    operations = [migrations.RunSQL(r"SELECT '\\d'", 'x' "y" '''z''', b"\\x00", u"caf\\u00e9", rb'\\n')]\n`)],
  ['f-strings kept as text', `${HEADER}X = 3\nclass Migration(migrations.Migration):\n    operations = [migrations.RunSQL(f"SELECT {X!r:>10} {{x}} {X.real}")]\n`],
  ['numbers', wrap('    operations = [migrations.AddField("m", "n", models.DecimalField(max_digits=0x1F, decimal_places=1_0, default=-1.5e-3, validators=[+2, -0o7, .5, 1.]))]\n')],
  ['containers', wrap('    operations = [migrations.AlterModelOptions("m", {"ordering": ("-a", "b"), "permissions": [], "x": {1, 2}, "empty": {}, "t": (), "one": (1,)})]\n')],
  ['expressions kept as text', wrap('    operations = [migrations.RunSQL("a" + SQL, reverse_sql=SQL % (1, 2), hints={"k": not x, "j": a if b else c, "s": x[1:2]}), migrations.AddField("m", "f", models.Q(a=1) | models.Q(b=2))]\n')],
  ['a signed number with trailers', wrap('    dependencies = [+7 ("shop", "0001_initial"), -9 .real]\n    operations = []\n')],
  ['lambdas', wrap('    operations = [migrations.AddField("m", "f", models.CharField(default=lambda: "x", upload_to=lambda instance, filename: f"{instance.pk}/{filename}"))]\n')],
  ['splats and comments', wrap('    operations = [  # the only one\n        migrations.RunPython(*ARGS, **KWARGS),  # migrate-help: ignore runpython-irreversible\n    ]\n')],
  ['module constants, functions and classes', `${HEADER}import functools\nfrom django.conf import settings\nfrom .helpers import (\n    forwards as go,\n    backwards,\n)\n\nSQL = "UPDATE t SET x = 1"\nOPS = [migrations.RunSQL(SQL)]\n\n\n@functools.wraps(print)\ndef forwards(apps, schema_editor):\n    Order = apps.get_model("shop", "Order")\n    for order in Order.objects.all():\n        order.save()\n\n\n# a comment between\nasync def later(apps, schema_editor):\n    pass\n\n\nclass Custom(migrations.operations.base.Operation):\n    reduces_to_sql = False\n\n    def state_forwards(self, app_label, state):\n        pass\n\n\nclass Migration(migrations.Migration):\n    """Docstring."""\n\n    atomic = False\n    dependencies = [migrations.swappable_dependency(settings.AUTH_USER_MODEL), ("shop", "__first__")]\n    replaces = [("shop", "0001_a"), ("shop", "0002_b")]\n    run_before = [("other", "0001_initial")]\n    stage = Stage.POST_DEPLOY\n    operations = OPS\n    pass\n\nX += 1\n`],
  ['unusual base, crlf and backslash', 'from django.db import migrations\r\n\r\nclass Migration(Base, metaclass=Meta):\r\n    operations = [migrations.RunSQL(\r\n        "SELECT 1")]\r\nX = 1 + \\\n    2\r\n'],
  [
    'RunPython functions of every statement kind',
    `${HEADER}import re\nfrom django.db import transaction\n\n\ndef forwards(apps, schema_editor):
    Order = apps.get_model("shop", "Order")
    Item = Line = apps.get_model("shop.Line")
    alias: str = schema_editor.connection.alias
    if not (pattern := re.compile(r"^x")):
        return
    elif alias == "default" and pattern is not None:
        pass
    else:
        raise ValueError("x") from None
    for order in Order.objects.using(alias).all():  # every row
        order.total = sum(line.price * line.qty for line in order.lines.all() if line.qty)
        order.save(update_fields=["total"])
    while True:
        batch = list(Order.objects.filter(pk__gt=0).values_list("pk", flat=True)[:1000])
        if not batch:
            break
        with transaction.atomic():
            Order.objects.filter(pk__in=batch).update(total=0)
    try:
        Line.objects.bulk_create([Line(order_id=pk) for pk in batch], batch_size=500)
    except (ValueError, TypeError) as error:
        print(f"failed: {error}")
    finally:
        del batch
    rows = {pk: [x for x in range(3)] for pk in {1, 2}}
    first, *rest = sorted(rows, key=lambda pk: -pk)
    Item.objects.all().delete()

    def later(apps, schema_editor):
        Ghost = apps.get_model("shop", "Ghost")
        Ghost.objects.update(flag=True)

    def now():
        Real = apps.get_model("shop", "Real")
        return Real
    now()
    global COUNTER
    assert first, "empty"
    yield from ()
    # trailing comment in the body

# a shallower comment ends it


@transaction.atomic
def backwards(apps, schema_editor, *args, chunk=10, **kwargs):
    from shop.models import Order
    Order._default_manager.iterator(chunk_size=chunk)
    schema_editor.execute("SELECT 1")


class Migration(migrations.Migration):
    operations = [migrations.RunPython(forwards, backwards)]
`,
  ],
  ['dynamic attributes', wrap('    initial = INITIAL\n    atomic = None\n    dependencies = DEPS\n    operations = (OPS)\n')],
  // Operations built by code in the class body (docs/parser.md, "Operations built by code").
  ['list changes in order', wrap('    operations = [migrations.RunSQL("a")]\n    operations += [migrations.RunSQL("b")]\n    operations.append(migrations.RunSQL("c"))\n    operations.extend([migrations.RunSQL("d")] + EXTRA)\n    operations.insert(0, migrations.RunSQL("e"))\n    dependencies = []\n    dependencies.append(("shop", "0001_initial"))\n')],
  ['an if block extending operations', wrap('    operations = [migrations.RunSQL("a")]\n\n    if settings.USE_TRIGRAMS:  # optional\n        operations += [migrations.RunSQL("b")]\n        operations.append(migrations.RunSQL("c"))\n')],
  ['if / elif / else assigning operations', `${HEADER}from django.db import connection\n\n\nclass Migration(migrations.Migration):\n    if connection.vendor == 'postgresql':\n        import django.contrib.postgres.indexes\n\n        operations = [migrations.RunSQL("pg")]\n    elif (connection.vendor == "mysql"\n          and not connection.mysql_is_mariadb):\n        operations = [migrations.RunSQL("my")]\n        if fts_available():\n            operations.append(migrations.RunSQL("fts"))\n        else:\n            pass\n    else:\n        """Everything else."""\n        operations = []\n`],
  ['an assignment in a branch replacing earlier operations', wrap('    operations = [migrations.RunSQL("a")]\n    if not settings.X:\n        operations = [migrations.RunSQL("b")]\n    if settings.Y:\n        if settings.Z:\n            operations = [migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel("m")])]\n')],
  ['a conditional dependency', wrap('    dependencies = [("shop", "0001_initial")]\n    if apps.is_installed("legacy"):\n        dependencies.append(("legacy", "0001_initial"))\n        initial = True\n    operations = []\n')],
  ['lists joined by +', `${HEADER}BASE_OPS = [migrations.RunSQL("base")]\n\n\nclass Migration(migrations.Migration):\n    operations = [migrations.RunSQL("a")] + [migrations.RunSQL("b")] + BASE_OPS + helper() + (EXTRA + [migrations.RunSQL("c")])\n`],
  ['a module-level list referenced', `${HEADER}BASE_OPS = [migrations.RunSQL("base")]\n\n\nclass Migration(migrations.Migration):\n    operations = BASE_OPS\n`],
  ['conditional expressions', wrap('    operations = (\n        [migrations.RunSQL("a")]\n        if getattr(settings, "X", True)\n        else []\n    ) + ([migrations.RunSQL("b")] if A else [migrations.RunSQL("c")] if B else OTHER)\n    dependencies = [("a", "0001")] if settings.X else []\n')],
  ['lists joined by other operators', wrap('    operations = [migrations.RunSQL("a")] or [] and X | Y\n')],
  ['a for loop appending operations', wrap('    operations = [migrations.RunSQL("a")]\n    for model_name in ["a", "b"]:\n        operations.append(migrations.AddField(model_name, "f", models.IntegerField(null=True)))\n    else:\n        dependencies += [x]\n    while (\n        False\n    ):\n        pass\n')],
];

/** Shapes the literal reader leaves to tree-sitter; the result must still be the tree reader's. */
const LEFT: Array<[string, string]> = [
  ['a syntax error inside a value', wrap('    operations = [migrations.AddField(model_name="m", name="b" models.IntegerField())]\n')],
  ['an unclosed bracket', wrap('    operations = [\n        migrations.RunSQL("x"),\n')],
  ['a compound statement on one line', `${HEADER}if True: X = 1\nclass Migration(migrations.Migration):\n    operations = []\n`],
  ['an annotated constant', `${HEADER}X: str = "a"\nclass Migration(migrations.Migration):\n    operations = [migrations.RunSQL(X)]\n`],
  ['a method in the class', wrap('    operations = []\n\n    def apply(self, project_state, schema_editor, collect_sql=False):\n        return super().apply(project_state, schema_editor, collect_sql)\n')],
  ['no Migration class', `${HEADER}X = 1\n`],
  ['tabs', wrap('\toperations = []\n')],
  ['a comprehension', wrap('    operations = [migrations.RunSQL(x) for x in SQLS]\n')],
  ['a generator argument', wrap('    operations = [migrations.RunSQL(";".join(x for x in SQLS))]\n')],
  ['a keyword after a dot', wrap('    operations = [migrations.class]\n')],
  ['a glued number', wrap('    operations = [migrations.RunSQL(1abc)]\n')],
  ['a syntax error in a function', `${HEADER}def forwards(apps, schema_editor)\n    pass\n\nclass Migration(migrations.Migration):\n    operations = []\n`],
  ['a syntax error in another class', `${HEADER}class Custom:\n    x = (\n\nclass Migration(migrations.Migration):\n    operations = []\n`],
  ['a decorated class', `${HEADER}@decorate\nclass Migration(migrations.Migration):\n    operations = []\n`],
  ['two Migration classes', `${wrap('    operations = []\n')}\nclass Migration(migrations.Migration):\n    operations = [migrations.RunSQL("x")]\n`],
  ['a t-string prefix', wrap('    operations = [migrations.RunSQL(t"x")]\n')],
  ['a semicolon', `${HEADER}X = 1; Y = 2\nclass Migration(migrations.Migration):\n    operations = []\n`],
  ['an f-string field that is an expression', `${HEADER}X = 3\nclass Migration(migrations.Migration):\n    operations = [migrations.RunSQL(f"SELECT {X!r:>{X}} {'a'}")]\n`],
  ['brackets nested deeper than any migration', wrap(`    operations = [migrations.RunSQL(${'['.repeat(150)}"x"${']'.repeat(150)})]\n`)],
  ['a stray async after a comprehension', `${HEADER}def forwards(apps, schema_editor):\n    rows = [x for x in range(3) async ]\n\nclass Migration(migrations.Migration):\n    operations = []\n`],
  ['a starred call in a function (tree-sitter can read `*f(x)` as a call of `*f`)', `${HEADER}def forwards(apps, schema_editor):\n    print(*apps.get_models())\n\nclass Migration(migrations.Migration):\n    operations = []\n`],
  ['a starred expression alone in parentheses', `${HEADER}def forwards(apps, schema_editor):\n    x = (*y)\n\nclass Migration(migrations.Migration):\n    operations = []\n`],
  ['a positional argument after a keyword argument', wrap('    operations = [migrations.AlterField(model_name="m", name="f", field=models.IntegerField(), x)]\n')],
  ['a minus between lists', wrap('    operations = [migrations.RunSQL("a")] + B - C\n')],
  ['a try block in the class', wrap('    try:\n        operations = [migrations.RunSQL("a")]\n    except ImportError:\n        operations = []\n')],
  ['a block on its header line', wrap('    if X: operations = [migrations.RunSQL("a")]\n')],
  ['a method call on a list in the class', wrap('    operations = []\n    operations.append(x=migrations.RunSQL("a"))\n')],
  ['a walrus in a value', wrap('    operations = [migrations.RunSQL((y := "x"))]\n')],
  ['a nested f-string field with a comment', wrap('    operations = [migrations.RunSQL(f"{x # c\n}")]\n')],
];

describe('literal reader shapes', () => {
  it.each(READ)('reads %s itself, as the tree reader does', (_name, source) => {
    expect(expectSame(source)).toBe(true);
  });

  it.each(LEFT)('leaves %s to tree-sitter', (_name, source) => {
    expect(expectSame(source)).toBe(false);
  });
});

const SHAPES = fileURLToPath(new URL('../../fixtures/migrations/shapes/migrations/', import.meta.url));
const SEEDS = [
  ...readdirSync(SHAPES)
    .filter((name) => name.endsWith('.py') && !name.startsWith('_'))
    .map((name) => readFileSync(join(SHAPES, name), 'utf8')),
  ...READ.map(([, source]) => source),
];

/**
 * tree-sitter's error recovery occasionally rejects valid Python that the literal reader reads
 * (seen: `class Migration( 0*migrations.Migration):` with a dict key and its colon on two lines).
 * There the literal reader is the faithful one; CPython's own parser settles it.
 */
function treeSitterMisreads(tree: MigrationFile, source: string): boolean {
  if (!tree.problems.some((problem) => problem.code === 'syntax-error')) return false;
  const python = spawnSync('python3', ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], { input: source, encoding: 'utf8' });
  return python.status === 0;
}

const edit = fc.oneof(
  fc.record({ at: fc.nat(), remove: fc.nat(3), text: fc.constantFrom('', '(', ')', '[', ']', '{', '}', '"', "'", '"""', ',', ':', '=', '\\', '\n', '\n    ', '\n        ', '\t', '#', ' + ', 'f"', 'lambda: ', ' for x in y', '.', '*', '**', '@', ';', 'é', '\r', 'if ', 'else ', ' not ', 'async ', 'yield ', 'return ', ':=', '[1:2]', '(x for x in y)', 'def f():\n    ', 'try:\n    ', 'except ', 'with x:\n    ') }),
  fc.record({ at: fc.nat(), remove: fc.constant(0), text: fc.string({ maxLength: 3 }) }),
);

describe('literal reader on mutated input', () => {
  it('agrees with the tree-sitter reader or gives up, and never fails', () => {
    const defects = literalReaderCounts.defects;
    let read = 0;
    let runs = 0;
    let treeSitterWrong = 0;
    fc.assert(
      fc.property(fc.nat(SEEDS.length - 1), fc.array(edit, { minLength: 1, maxLength: 3 }), (seed, edits) => {
        let source = SEEDS[seed] as string;
        for (const { at, remove, text } of edits) {
          const offset = at % (source.length + 1);
          source = source.slice(0, offset) + text + source.slice(offset + remove);
        }
        runs++;
        try {
          const { tree, literal, literalRead } = readBoth(source);
          if (literalRead && JSON.stringify(literal) !== JSON.stringify(tree) && treeSitterMisreads(tree, source)) {
            treeSitterWrong++;
            return;
          }
          if (expectSame(source)) read++;
        } catch (error) {
          // Name the mutant: the shrunk edits alone do not show the text.
          throw new Error(`${error instanceof Error ? error.message : String(error)}\nsource: ${JSON.stringify(source)}`);
        }
      }),
      // LITERAL_FUZZ_RUNS / LITERAL_FUZZ_SEED give a longer or different run by hand.
      { numRuns: Number(process.env['LITERAL_FUZZ_RUNS'] ?? 1500), seed: Number(process.env['LITERAL_FUZZ_SEED'] ?? 424242) },
    );
    expect(literalReaderCounts.defects).toBe(defects);
    // Many mutants stay valid Python: the property must exercise the literal reader, not only its exits.
    expect(read).toBeGreaterThan(runs / 8);
    expect(treeSitterWrong).toBeLessThan(runs / 100);
  }, 300_000);
});

describe('literal reader on generated migration files', () => {
  it('reads them as the tree-sitter reader does, with no python3 involved', () => {
    const defects = literalReaderCounts.defects;
    let read = 0;
    let runs = 0;
    fc.assert(
      fc.property(syntheticMigration, (source) => {
        runs++;
        try {
          if (expectSame(source, 'shop/migrations/0042_generated.py')) read++;
        } catch (error) {
          throw new Error(`${error instanceof Error ? error.message : String(error)}\nsource: ${JSON.stringify(source)}`);
        }
      }),
      { numRuns: Number(process.env['LITERAL_FUZZ_RUNS'] ?? 400), seed: Number(process.env['LITERAL_FUZZ_SEED'] ?? 424242) },
    );
    expect(literalReaderCounts.defects).toBe(defects);
    // These are the shapes real files have: the literal reader must read them itself, not hand them on.
    expect(read).toBe(runs);
  }, 300_000);
});
