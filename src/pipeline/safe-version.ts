/**
 * "Show the safe version": which migrations of an answer a fix recipe covers (asked of the fix
 * engine's recipe list), and, on request, the fix engine's replacement files for them, read again
 * from the question's message or from a repository at a commit.
 */
import { fixRecipes, FixInputError, generateFix } from '../engine/fix/index.js';
import type { FixResult } from '../engine/fix/index.js';
import { initParser, parseMigration } from '../engine/index.js';
import type { Database, EngineSettings, Finding, MigrationFile } from '../engine/index.js';
import { loadSqlParser } from '../engine/sql/index.js';
import { asAppError } from '../errors.js';
import { discoverCode } from './grounders/pasted-code.js';
import type { CodePiece } from './grounders/pasted-code.js';
import type { Question } from './types.js';

/** Pasted migrations depend on files of the user's repo that we do not have (as in the engine grounder). */
const DEPENDENCY_NOT_FOUND = 'dependency-not-found';
const RISKY = new Set(['error', 'warning']);

/** One migration's safe version, or why there is none. */
export type SafeVersion = { path: string; result: FixResult } | { path: string; problem: string };

/** A migration read again for its fix: every migration read with it (state replay) and its text. */
export interface MigrationToFix {
  files: MigrationFile[];
  path: string;
  source: string;
}

/** A finding that one of the fix engine's recipes answers on this database. */
export function recipeCovers(finding: Finding, database: Database): boolean {
  const op = finding.operation;
  if (op === undefined || op.path.length > 0 || !RISKY.has(finding.severity)) return false;
  return fixRecipes.some((recipe) => recipe.fixes.includes(finding.ruleId) && recipe.operationTypes.includes(op.type) && recipe.databases.includes(database));
}

/** Paths among `paths` with a finding a recipe covers, in the order given. */
export function fixablePaths(findings: readonly Finding[], paths: readonly string[], database: Database): string[] {
  const covered = new Set(findings.filter((finding) => recipeCovers(finding, database)).map((finding) => finding.path));
  return paths.filter((path) => covered.has(path));
}

/** Pieces of a question that are complete migration files (only those can be rewritten). */
export function wholeFilePieces(pieces: readonly CodePiece[]): CodePiece[] {
  return pieces.filter((piece) => piece.source !== undefined);
}

/** The fix engine on one migration; its refusals become the sentence to show. */
export async function safeVersionOf(target: MigrationToFix, settings: Partial<EngineSettings>): Promise<SafeVersion> {
  await loadSqlParser();
  try {
    return { path: target.path, result: generateFix({ files: target.files, path: target.path, source: target.source, settings }) };
  } catch (error) {
    if (!(error instanceof FixInputError)) throw error;
    return { path: target.path, problem: `${error.message} ${error.hint}` };
  }
}

/** The pieces of a re-read question, with each wanted piece parsed as the whole file the fix rewrites. */
function targetsInQuestion(pieces: readonly CodePiece[], paths: readonly string[]): Array<MigrationToFix | { path: string; missing: true }> {
  return paths.map((path) => {
    const piece = pieces.find((candidate) => candidate.file.path === path);
    if (piece?.source === undefined) return { path, missing: true as const };
    const whole = parseMigration(piece.source, { path, appLabel: piece.file.app });
    const files = pieces.map((other) => (other === piece ? whole : other.file));
    return { files, path, source: piece.source };
  });
}

const MISSING =
  'it is no longer in the message (it was edited or deleted, or the file is gone from Slack). Paste the migration again, or share the file, and ask me.';

/** Safe versions of migrations found in a question's message and files, read again at click time. */
export async function safeVersionsInQuestion(question: Pick<Question, 'text' | 'files'>, paths: readonly string[], settings: EngineSettings): Promise<SafeVersion[]> {
  await initParser();
  const { pieces } = discoverCode({ id: 'safe-version', source: 'button', userId: '', history: [], ...question });
  const withoutMissingDependencies = { ...settings, disabledRules: [...new Set([...(settings.disabledRules ?? []), DEPENDENCY_NOT_FOUND])] };
  const versions: SafeVersion[] = [];
  for (const target of targetsInQuestion(pieces, paths)) {
    versions.push('missing' in target ? { path: target.path, problem: MISSING } : await safeVersionOf(target, withoutMissingDependencies));
  }
  return versions;
}

export interface RepositoryMigrationRef {
  repo: string;
  sha: string;
  path: string;
}

export interface SafeVersionServiceDeps {
  /** The channel's database, version and rule switches. */
  settingsFor(teamId: string, channelId: string): Promise<EngineSettings>;
  /** Reads a repository migration with its context; absent when GitHub is not configured. Throws AppError. */
  readRepository?: (wanted: RepositoryMigrationRef) => Promise<MigrationToFix>;
}

/** What "Show the safe version" asks for, judged against the clicked channel's settings. */
export interface SafeVersionService {
  inMessage(input: { teamId: string; channelId: string; text: string; files: Question['files']; paths: string[] }): Promise<SafeVersion[]>;
  inRepository(input: { teamId: string; channelId: string; repo: string; sha: string; paths: string[] }): Promise<SafeVersion[]>;
}

const GITHUB_OFF = 'GitHub is not set up for migrate-help, so I cannot read repository migrations: ask whoever runs it to set GITHUB_TOKEN (or a GitHub App).';

export function createSafeVersionService(deps: SafeVersionServiceDeps): SafeVersionService {
  return {
    async inMessage({ teamId, channelId, text, files, paths }) {
      return safeVersionsInQuestion({ text, ...(files === undefined ? {} : { files }) }, paths, await deps.settingsFor(teamId, channelId));
    },
    async inRepository({ teamId, channelId, repo, sha, paths }) {
      const settings = await deps.settingsFor(teamId, channelId);
      const versions: SafeVersion[] = [];
      for (const path of paths) {
        if (deps.readRepository === undefined) {
          versions.push({ path, problem: GITHUB_OFF });
          continue;
        }
        try {
          versions.push(await safeVersionOf(await deps.readRepository({ repo, sha, path }), settings));
        } catch (error) {
          versions.push({ path, problem: `I could not read \`${path}\` from ${repo}: ${asAppError(error).userMessage}` });
        }
      }
      return versions;
    },
  };
}
