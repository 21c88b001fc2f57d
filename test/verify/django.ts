/**
 * A throwaway Django project on real PostgreSQL: Debian's Django (/usr/bin/python3) runs `migrate`,
 * a Node writer does short transactions on the table meanwhile, and a catalog dump compares schemas.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { IN_CI, PG } from './servers.js';

export const PYTHON = '/usr/bin/python3';

/** Django's version, or null when /usr/bin/python3 cannot import django and psycopg2. */
export function djangoVersion(): string | null {
  const run = spawnSync(PYTHON, ['-c', 'import django, psycopg2; print(django.get_version())'], { encoding: 'utf8' });
  return run.status === 0 ? run.stdout.trim() : null;
}

/** Without Django the round trips cannot run: a failure in CI, a visible skip on a developer machine. */
export function djangoMissing(): string {
  const message = `${PYTHON} cannot import django and psycopg2, so the generated fixes were not applied`;
  if (IN_CI) throw new Error(`${message} (CI must provide them: .ci/run installs python3-django and python3-psycopg2).`);
  console.warn(`skip: ${message} (install python3-django and python3-psycopg2; CI is unset, so this is a skip, not a failure).`);
  return message;
}

const SETTINGS = (database: string, lockTimeoutMs: number) => `SECRET_KEY = "verify"
INSTALLED_APPS = ["shop"]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "${database}",
        "USER": "${PG.user}",
        "HOST": "${PG.host}",
        "PORT": "${PG.port}",
        "OPTIONS": {"options": "-c lock_timeout=${lockTimeoutMs}"},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
`;

const MANAGE = `import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_settings")
from django.core.management import execute_from_command_line

execute_from_command_line(sys.argv)
`;

/** manage.py, settings for `database` and an empty `shop` app; returns the migrations folder. */
export function scaffold(dir: string, database: string, lockTimeoutMs: number): string {
  const migrations = join(dir, 'shop', 'migrations');
  mkdirSync(migrations, { recursive: true });
  writeFileSync(join(dir, 'manage.py'), MANAGE);
  writeFileSync(join(dir, 'site_settings.py'), SETTINGS(database, lockTimeoutMs));
  writeFileSync(join(dir, 'shop', '__init__.py'), '');
  writeFileSync(join(migrations, '__init__.py'), '');
  return migrations;
}

export interface Run {
  code: number | null;
  output: string;
  ms: number;
}

/** `manage.py migrate shop [target]`, asynchronously so the writer keeps going in this process. */
export function migrate(dir: string, target?: string): Promise<Run> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['manage.py', 'migrate', 'shop', ...(target ? [target] : []), '--noinput'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output, ms: performance.now() - started }));
  });
}

/** Short write transactions in a loop until stopped; records latency and errors. */
export class Writer {
  phase = 0;
  writes = 0;
  errors: string[] = [];
  /** Longest transaction since the last `resetLatency`. */
  maxLatencyMs = 0;
  private stopped = false;
  private done: Promise<void> | null = null;
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  constructor(
    private readonly client: pg.Client,
    private readonly statements: (phase: number, i: number) => string[],
  ) {}

  start(): void {
    this.done = this.loop();
  }

  /** Resolves once `n` more transactions have committed (or failed). */
  progressed(n: number): Promise<void> {
    return new Promise((resolve) => this.waiters.push({ count: this.writes + n, resolve }));
  }

  resetLatency(): void {
    this.maxLatencyMs = 0;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const started = performance.now();
      try {
        await this.client.query('BEGIN');
        for (const sql of this.statements(this.phase, this.writes)) await this.client.query(sql);
        await this.client.query('COMMIT');
      } catch (error) {
        this.errors.push(`phase ${this.phase}: ${(error as Error).message}`);
        const rolledBack = await this.client.query('ROLLBACK').then(
          () => true,
          () => false,
        );
        // A connection that cannot even roll back is gone: stop rather than spin.
        if (!rolledBack) this.stopped = true;
      }
      this.maxLatencyMs = Math.max(this.maxLatencyMs, performance.now() - started);
      this.writes++;
      this.waiters = this.waiters.filter((w) => (w.count <= this.writes ? (w.resolve(), false) : true));
    }
  }
}

/**
 * The app's schema, normalised: columns (type, nullability, default), indexes (definition, validity)
 * and constraints (definition, validated, deferrable), for tables starting with `shop_`.
 */
export async function dumpSchema(client: pg.Client): Promise<Record<string, string[]>> {
  const columns = await client.query<{ row: string }>(
    `SELECT concat_ws(' | ', table_name, column_name, data_type, character_maximum_length, is_nullable, column_default) AS row
       FROM information_schema.columns WHERE table_schema = 'public' AND table_name LIKE 'shop\\_%' ORDER BY table_name, column_name`,
  );
  const indexes = await client.query<{ row: string }>(
    `SELECT concat_ws(' | ', t.relname, pg_get_indexdef(i.indexrelid), CASE WHEN i.indisvalid THEN 'valid' ELSE 'INVALID' END) AS row
       FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = 'public' AND t.relname LIKE 'shop\\_%' ORDER BY 1`,
  );
  const constraints = await client.query<{ row: string }>(
    `SELECT concat_ws(' | ', t.relname, c.conname, pg_get_constraintdef(c.oid), CASE WHEN c.convalidated THEN 'validated' ELSE 'NOT VALID' END,
                      CASE WHEN c.condeferrable THEN 'deferrable' ELSE 'immediate' END) AS row
       FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = 'public' AND t.relname LIKE 'shop\\_%' ORDER BY 1`,
  );
  return { columns: columns.rows.map((r) => r.row), indexes: indexes.rows.map((r) => r.row), constraints: constraints.rows.map((r) => r.row) };
}
