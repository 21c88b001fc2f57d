/**
 * The one place that turns outcomes into exit codes: 0 clean, 1 findings (or graph problems, or
 * nothing recognised) at the threshold, 2 usage/config/I-O trouble with one line plus a hint.
 * Anything unexpected is an internal error: exit 2 with a "please report" line.
 */
import { EngineSettingsError } from '../engine/settings.js';

export const EXIT_CLEAN = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_TROUBLE = 2;

export type CliErrorKind = 'usage' | 'config' | 'io';

/** A problem the user can fix: printed as one line plus a hint, never with a stack. */
export class CliError extends Error {
  readonly kind: CliErrorKind;
  readonly hint: string;
  constructor(kind: CliErrorKind, message: string, hint: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.kind = kind;
    this.hint = hint;
  }
}

export const usageError = (message: string, hint: string) => new CliError('usage', message, hint);
export const configError = (message: string, hint: string) => new CliError('config', message, hint);
export const ioError = (message: string, hint: string, cause?: unknown) => new CliError('io', message, hint, { cause });

const REPORT_URL_HINT = 'This is a bug in migrate-help, please report it with the command you ran and the output above (run with MIGRATE_HELP_DEBUG=1 for the stack trace).';

export interface ErrorOutcome {
  code: number;
  /** Lines for stderr. */
  lines: string[];
}

/** What to print and which code to exit with for an error that reached the top. */
export function describeError(error: unknown, options: { debug?: boolean } = {}): ErrorOutcome {
  if (error instanceof CliError) return { code: EXIT_TROUBLE, lines: [`migrate-help: ${error.message}`, `hint: ${error.hint}`] };
  if (error instanceof EngineSettingsError) {
    return { code: EXIT_TROUBLE, lines: [`migrate-help: ${error.message}`, 'hint: check --database, --db-version, --enable/--disable and your config file.'] };
  }
  const commanderCode = (error as { code?: unknown } | null)?.code;
  if (typeof commanderCode === 'string' && commanderCode.startsWith('commander.')) {
    // commander already printed its message; help and version are not errors.
    const benign = commanderCode === 'commander.helpDisplayed' || commanderCode === 'commander.version';
    return { code: benign ? EXIT_CLEAN : EXIT_TROUBLE, lines: benign ? [] : ['hint: run `migrate-help --help` or `migrate-help <command> --help`.'] };
  }
  const message = error instanceof Error ? error.message : String(error);
  const lines = [`migrate-help: internal error: ${message}`, REPORT_URL_HINT];
  if (options.debug && error instanceof Error && error.stack) lines.push(error.stack);
  return { code: EXIT_TROUBLE, lines };
}
