/** `migrate-help fix` through the built CLI: print, --write, refusal to overwrite, no risk, bad input. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INITIAL, riskyMigration } from '../engine/fix/cases.js';
import { runBin } from './helpers.js';

const RISKY = riskyMigration('migrations.AddField(model_name="book", name="stock", field=models.IntegerField(default=0))');
const FILE = 'shop/migrations/0002_book_stock.py';
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'migrate-help-fix-cli-'));
  mkdirSync(join(dir, 'shop', 'migrations'), { recursive: true });
  writeFileSync(join(dir, 'manage.py'), '');
  writeFileSync(join(dir, 'shop', '__init__.py'), '');
  writeFileSync(join(dir, 'shop', 'migrations', '__init__.py'), '');
  writeFileSync(join(dir, 'shop', 'migrations', '0001_initial.py'), INITIAL);
  writeFileSync(join(dir, FILE), RISKY);
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const migrations = () => readdirSync(join(dir, 'shop', 'migrations')).filter((name) => /^\d/.test(name)).sort();

describe('migrate-help fix', () => {
  it('prints the files and the deploy order without writing anything', async () => {
    const run = await runBin(['fix', FILE, '--database', 'postgresql', '--db-version', '16'], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('# ==== shop/migrations/0002_step1_book_stock_add_nullable.py (release 1, new)');
    expect(run.stdout).toContain('# ==== shop/migrations/0002_book_stock.py (release 2, replaces the original)');
    expect(run.stdout).toContain('field=models.IntegerField(default=0, null=True)');
    expect(run.stdout).toMatch(/Deploy order:\nRelease 1 \(the release that carried the original migration\):\n {2}- 0002_step1_book_stock_add_nullable\.py/);
    expect(migrations()).toEqual(['0001_initial.py', '0002_book_stock.py']);
    expect(readFileSync(join(dir, FILE), 'utf8')).toBe(RISKY);
  });

  it('--write replaces the original and adds the steps; the result checks clean', async () => {
    const run = await runBin(['fix', FILE, '--database', 'postgresql', '--db-version', '16', '--write'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Wrote 4 files');
    expect(migrations()).toEqual(['0001_initial.py', '0002_book_stock.py', '0002_step1_book_stock_add_nullable.py', '0002_step2_book_stock_backfill.py', '0002_step3_book_stock_check_not_valid.py']);
    expect(readFileSync(join(dir, FILE), 'utf8')).toContain('("shop", "0002_step3_book_stock_check_not_valid")');
    const check = await runBin(['check', '.', '--database', 'postgresql', '--db-version', '16', '--fail-on', 'warning'], { cwd: dir });
    expect(check.stdout + check.stderr).not.toMatch(/warning|error/);
    expect(check.code).toBe(0);
  });

  it('refuses to overwrite any file but the original, before writing anything', async () => {
    const clash = join(dir, 'shop', 'migrations', '0002_step2_book_stock_backfill.py');
    writeFileSync(clash, '# mine\n');
    const run = await runBin(['fix', FILE, '--write'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('migrate-help: shop/migrations/0002_step2_book_stock_backfill.py already exists');
    expect(run.stderr).toContain('hint:');
    expect(readFileSync(clash, 'utf8')).toBe('# mine\n');
    expect(readFileSync(join(dir, FILE), 'utf8')).toBe(RISKY);
    expect(existsSync(join(dir, 'shop', 'migrations', '0002_step1_book_stock_add_nullable.py'))).toBe(false);
  });

  it('says there is nothing to fix for a migration without risk', async () => {
    const run = await runBin(['fix', 'shop/migrations/0001_initial.py'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/has no risky operation .*nothing to fix/);
  });

  it('lists what has no automatic fix, keeps it, and exits 1', async () => {
    writeFileSync(join(dir, FILE), riskyMigration('migrations.AddField(model_name="book", name="author", field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, to="shop.author"))'));
    const run = await runBin(['fix', FILE, '--database', 'mysql'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no automatic fix: operation 1 \(AddField; [a-z-, ]+\): /);
  });

  it('answers bad input with a message, a hint and exit 2', async () => {
    writeFileSync(join(dir, 'shop', 'migrations', '0003_helpers.py'), 'def helper():\n    return 1\n');
    writeFileSync(join(dir, 'shop', 'migrations', '0004_broken.py'), 'class Migration(migrations.Migration:\n    operations = [\n');
    const cases: Array<[string[], RegExp]> = [
      [['fix', 'shop/migrations/0003_helpers.py'], /has no `class Migration`: it is not a Django migration/],
      [['fix', 'shop/migrations/0004_broken.py'], /does not parse as Python/],
      [['fix', 'shop/migrations/0009_missing.py'], /no such file: shop\/migrations\/0009_missing\.py/],
      [['fix', 'manage.py'], /is not inside a migrations\/ folder/],
    ];
    for (const [args, message] of cases) {
      const run = await runBin(args, { cwd: dir });
      expect(run.stderr, args.join(' ')).toMatch(message);
      expect(run.stderr).toContain('hint:');
      expect(run.code).toBe(2);
    }
  });
});
