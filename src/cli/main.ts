/**
 * The CLI's composition root: the only place that reads argv, env, stdin and the TTY, and writes
 * output. Commands (./commands, loaded only when they run) return data; ./print composes text;
 * ./exit picks the exit code.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
// Narrow engine imports here (not engine/index.js): --version and diagnose should not load every rule.
import { REPORT_FORMATS } from '../engine/report/index.js';
import type { ReportFormat } from '../engine/report/index.js';
import { parseDatabase } from '../engine/settings.js';
import { DATABASES } from '../engine/types.js';
import type { CheckResult, FailOn } from './commands/check.js';
import { EXIT_CLEAN, EXIT_FINDINGS, describeError, ioError, usageError } from './exit.js';
import { printCheck, printDiagnose, printGraph, printParse, printRules } from './print.js';
import type { Output } from './print.js';
import { PACKAGE_VERSION } from '../package-files.js';

export interface CliIO {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  stdout(text: string): void;
  stderr(text: string): void;
  stdoutIsTTY: boolean;
  stdinIsTTY: boolean;
  readStdin(): Promise<string>;
  /** Told the result of `check` before it is printed: the Action predicts SQL from the files it parsed. */
  onCheck?(result: CheckResult): void;
}

const VERSION = PACKAGE_VERSION;

/** Colour on a TTY only; NO_COLOR turns it off, FORCE_COLOR (not "0") turns it on. */
export function useColor(env: CliIO['env'], isTTY: boolean): boolean {
  if (env['FORCE_COLOR'] !== undefined && env['FORCE_COLOR'] !== '0' && env['FORCE_COLOR'] !== 'false') return true;
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  return isTTY;
}

/** `--database postgres` → postgresql; anything unknown answers with the choices and the nearest name. */
function databaseOption(value: string): string {
  try {
    return parseDatabase(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** `--disable a,b --disable c` → [a, b, c]. */
function collectIds(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((id) => id.trim()).filter((id) => id.length > 0)];
}

/** Run the CLI; resolves to the exit code. Never throws. */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  let outcome: { output: Output; code: number } | undefined;
  const color = useColor(io.env, io.stdoutIsTTY);
  const program = new Command('migrate-help')
    .description('Django migration expert: lint migrations per database, inspect the graph, diagnose pasted errors.')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout(text), writeErr: (text) => io.stderr(text) })
    .showSuggestionAfterError(true);

  program
    .command('check')
    .description('lint migration files for risky operations on the target database')
    .argument('<paths...>', 'project folders, migrations folders or migration files')
    .addOption(new Option('--database <name>', `target database: ${DATABASES.join(', ')} (aliases such as postgres, pg, sqlite3 accepted)`).argParser(databaseOption))
    .option('--db-version <version>', 'target database version, e.g. 16 or 8.0.32')
    .addOption(new Option('--format <format>', 'output format').choices(REPORT_FORMATS.filter((f) => f !== 'markdown')).default('text'))
    .addOption(new Option('--fail-on <level>', 'exit 1 when a finding is at or above this level').choices(['error', 'warning', 'info', 'never']).default('error'))
    .option('--config <file>', 'config file (default: .migrate-help.json or migrate-help.config.json found upward)')
    .option('--disable <ids>', 'rule ids to turn off (comma-separated, repeatable)', collectIds)
    .option('--enable <ids>', 'opt-in rule ids to turn on (comma-separated, repeatable)', collectIds)
    .option('--since <git-ref>', 'lint only migrations added or changed since this ref (the rest is read as context)')
    .option('--settings <file>', 'Django settings module to read MIGRATION_MODULES from (path/to/settings.py)')
    .option('--baseline <file>', 'report only findings not recorded in this baseline file (docs/baseline.md)')
    .option('--write-baseline <file>', "record this run's findings in a baseline file; later runs with --baseline report only new ones")
    .option('--pg-zero-downtime', 'the project migrates through django-pg-zero-downtime-migrations (its backend makes index and constraint locks safe)')
    .action(async (paths: string[], opts: { database?: string; dbVersion?: string; format: ReportFormat; failOn: FailOn; config?: string; disable?: string[]; enable?: string[]; since?: string; settings?: string; baseline?: string; writeBaseline?: string; pgZeroDowntime?: boolean }) => {
      const { check, failsAt } = await import('./commands/check.js');
      const result = await check({ paths, cwd: io.cwd, version: VERSION, ...opts });
      io.onCheck?.(result);
      outcome = { output: printCheck(result, opts.format, { color, version: VERSION }), code: failsAt(result.report, opts.failOn) ? EXIT_FINDINGS : EXIT_CLEAN };
    });

  program
    .command('graph')
    .description('leaves, conflicts, cycles, missing dependencies, stale squashes and the plan')
    .argument('<paths...>', 'project folders, migrations folders or migration files')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'markdown']).default('text'))
    .option('--config <file>', 'config file (for swappable settings and exclude)')
    .action(async (paths: string[], opts: { format: 'text' | 'json' | 'markdown'; config?: string }) => {
      const { graph } = await import('./commands/graph.js');
      const result = await graph({ paths, cwd: io.cwd, ...(opts.config ? { config: opts.config } : {}) });
      outcome = { output: printGraph(result, opts.format, { color }), code: result.broken ? EXIT_FINDINGS : EXIT_CLEAN };
    });

  program
    .command('parse')
    .description('print what the parser reads from each migration file')
    .argument('<paths...>', 'project folders, migrations folders or migration files')
    .addOption(new Option('--format <format>', 'json: one JSON object per file (JSON Lines); text: a summary').choices(['json', 'text']).default('json'))
    .action(async (paths: string[], opts: { format: 'json' | 'text' }) => {
      const { parse } = await import('./commands/parse.js');
      outcome = { output: printParse(await parse({ paths, cwd: io.cwd }), opts.format), code: EXIT_CLEAN };
    });

  program
    .command('diagnose')
    .description('recognise a pasted traceback or showmigrations output (stdin) and print the recovery playbook')
    .option('--file <file>', 'read the text from a file instead of stdin')
    .option('--project <path>', 'compare pasted showmigrations output with the migrations under this path')
    .option('--config <file>', 'config file (for swappable settings and exclude)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'markdown']).default('text'))
    .action(async (opts: { file?: string; project?: string; config?: string; format: 'text' | 'json' | 'markdown' }) => {
      let text: string;
      if (opts.file) {
        try {
          text = readFileSync(resolve(io.cwd, opts.file), 'utf8');
        } catch (error) {
          throw ioError(`cannot read ${opts.file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`, 'check the path given to --file.', error);
        }
      } else {
        if (io.stdinIsTTY) throw usageError('diagnose reads the pasted text from stdin.', 'pipe it in (`pbpaste | migrate-help diagnose`, `migrate-help diagnose < error.txt`) or use --file.');
        text = await io.readStdin();
      }
      const { diagnose } = await import('./commands/diagnose.js');
      const result = await diagnose({ text, cwd: io.cwd, ...(opts.project ? { project: opts.project } : {}), ...(opts.config ? { config: opts.config } : {}) });
      outcome = { output: printDiagnose(result, opts.format, { color }), code: result.recognised ? EXIT_CLEAN : EXIT_FINDINGS };
    });

  program
    .command('sql')
    .description('print the SQL Django would run for each migration, with the lock, rewrite and scan of each statement')
    .argument('<paths...>', 'project folders, migrations folders or migration files')
    .addOption(new Option('--database <name>', 'target database').choices([...DATABASES]))
    .option('--db-version <version>', 'target database version, e.g. 16 or 10.11')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--config <file>', 'config file (database, version, swappable settings, exclude)')
    .action(async (paths: string[], opts: { database?: string; dbVersion?: string; format: 'text' | 'json'; config?: string }) => {
      const { sql } = await import('./commands/sql.js');
      const { printSql } = await import('./print-sql.js');
      outcome = { output: printSql(await sql({ paths, cwd: io.cwd, ...opts }), opts.format), code: EXIT_CLEAN };
    });

  program
    .command('fix')
    .description('write the safe version of a risky migration: replacement files in deploy order, with a note on which release ships each')
    .argument('<file>', 'the migration file to fix')
    .addOption(new Option('--database <name>', `target database: ${DATABASES.join(', ')}`).argParser(databaseOption))
    .option('--db-version <version>', 'target database version, e.g. 16 or 10.11')
    .option('--config <file>', 'config file (database, version, swappable settings, exclude)')
    .option('--write', 'write the files: replace the original and add the new ones next to it (never overwrites another file)')
    .action(async (file: string, opts: { database?: string; dbVersion?: string; config?: string; write?: boolean }) => {
      const { fix } = await import('./commands/fix.js');
      const { printFix } = await import('./print-fix.js');
      const fixed = await fix({ file, cwd: io.cwd, ...opts });
      // Exit 1 when a risky operation is left as it was (no recipe for it).
      outcome = { output: printFix(fixed), code: (fixed.result?.unfixed.length ?? 0) > 0 ? EXIT_FINDINGS : EXIT_CLEAN };
    });

  program
    .command('rules')
    .description('list the rules: id, severity, databases, summary')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (opts: { format: 'text' | 'json' }) => {
      const { listRules } = await import('./commands/rules.js');
      outcome = { output: printRules(listRules(), opts.format), code: EXIT_CLEAN };
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    const described = describeError(error, { debug: io.env['MIGRATE_HELP_DEBUG'] === '1' });
    for (const line of described.lines) io.stderr(`${line}\n`);
    return described.code;
  }
  if (!outcome) {
    io.stderr('migrate-help: no command given.\nhint: run `migrate-help --help` to see the commands.\n');
    return 2;
  }
  if (outcome.output.stdout) io.stdout(outcome.output.stdout);
  if (outcome.output.stderr) io.stderr(outcome.output.stderr);
  return outcome.code;
}

async function readAll(stream: NodeJS.ReadStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Entry point for bin/migrate-help.js and `npm run cli`. */
export async function main(): Promise<number> {
  // `npm run cli -- check .` runs in the package folder; npm keeps the caller's folder in INIT_CWD.
  const cwd = process.env['npm_lifecycle_event'] === 'cli' && process.env['INIT_CWD'] ? process.env['INIT_CWD'] : process.cwd();
  return runCli(process.argv.slice(2), {
    cwd,
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stdoutIsTTY: process.stdout.isTTY === true,
    stdinIsTTY: process.stdin.isTTY === true,
    readStdin: () => readAll(process.stdin),
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main();
}
