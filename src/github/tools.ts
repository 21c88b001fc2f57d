/**
 * Tools the expert model may call while answering, scoped to one allowlisted repository in play
 * (the channel's link, or a pull request's head): list the apps and migrations, read a file, run the
 * engine on chosen migrations, predict their SQL and locks, the graph of an app, and the PR's migration files. Inputs are checked
 * with zod; a bad input or a GitHub failure becomes a tool error the model can read and recover from.
 */
import { z } from 'zod';
import { analyze, renderGraphMarkdown } from '../engine/index.js';
import type { EngineSettings, Finding, GraphReport } from '../engine/index.js';
import { AppError } from '../errors.js';
import type { ExpertTool, TaskSource } from '../pipeline/types.js';
import type { GitHub } from './client.js';
import { predictForReport, statementsByFinding } from '../engine/report/sql.js';
import type { StatementsOf } from '../engine/report/sql.js';
import { predictedSqlLines } from '../pipeline/grounders/sql-quote.js';
import { createPredictSqlTool } from '../pipeline/sql-tool.js';
import type { FoundMigration } from '../pipeline/sql-tool.js';
import { createScopeReader, parsedWithContext, shortPath, type ScopeReader } from './repo-context.js';
import type { PullRequestScope, RepoScope } from './repo-context.js';
import type { MigrationEntry, MigrationTree } from './types.js';

/** Largest file the model may read (bytes): migrations are small; anything bigger is rarely the point. */
const TOOL_MAX_FILE_BYTES = 200_000;
const MAX_LISTED = 400;
const MAX_PR_CHARS = 50_000;
const MAX_ANALYZE_PATHS = 12;
const ALTERNATIVE_CHARS = 1_500;
const GRAPH_PLAN_LIMIT = 40;

export interface RepoToolOptions {
  github: GitHub;
  scope: RepoScope;
  /** Target database/version for the engine (the channel's settings). */
  settings: EngineSettings;
  /** Share one reader with a grounder that already listed the tree. */
  reader?: ScopeReader;
}

function parseInput<T>(schema: z.ZodType<T>, input: unknown, tool: string): T {
  const result = schema.safeParse(input ?? {});
  if (!result.success) {
    throw new AppError('unknown', `Bad input for ${tool}: ${result.error.issues.map((issue) => `${issue.path.join('.') || 'input'} ${issue.message}`).join('; ')}.`);
  }
  return result.data;
}

const listInput = z.object({ app: z.string().min(1).max(200).optional() });
const readInput = z.object({ path: z.string().min(1).max(500), at: z.enum(['head', 'base']).optional() });
const analyzeInput = z.object({ paths: z.array(z.string().min(1).max(500)).min(1).max(MAX_ANALYZE_PATHS) });
const graphInput = z.object({ app: z.string().min(1).max(200) });

/** What every repository tool works on: the repository in play and a reader over it. */
interface ToolContext {
  github: GitHub;
  scope: RepoScope;
  settings: EngineSettings;
  reader: ScopeReader;
  /** The repository as named to the model and the user. */
  where: string;
  pr: PullRequestScope | undefined;
}

export function createRepoTools(options: RepoToolOptions): ExpertTool[] {
  const { github, scope, settings } = options;
  const context: ToolContext = { github, scope, settings, reader: options.reader ?? createScopeReader(github, scope), where: scope.label, pr: scope.pullRequest };
  const tools = [listMigrationsTool(context), readFileTool(context), analyzeMigrationsTool(context), appGraphTool(context), predictSqlTool(context)];
  if (scope.pullRequest) tools.push(prMigrationFilesTool(scope.pullRequest));
  return tools;
}

function listMigrationsTool({ reader, where }: ToolContext): ExpertTool {
  return {
    definition: {
      name: 'list_migrations',
      description: `List the Django apps of ${where} and their migration files (app label, folder, names in order). Give \`app\` to list one app's migrations in full.`,
      input_schema: { type: 'object', properties: { app: { type: 'string', description: 'App label or folder, e.g. "accounts".' } } },
    },
    describe: (input) => {
      const app = (input as { app?: unknown } | undefined)?.app;
      return typeof app === 'string' ? `Listing the ${app} migrations…` : `Listing the migrations in ${where}…`;
    },
    run: async (input) => {
      const { app } = parseInput(listInput, input, 'list_migrations');
      const tree = await reader.tree();
      if (app === undefined) return listApps(tree, where);
      const entries = await reader.appEntries(app);
      if (entries.length === 0) return `No app "${app}" with migrations in ${where}. Apps: ${tree.apps.map((item) => item.label).join(', ') || 'none'}.`;
      return listAppMigrations(entries, tree, where);
    },
  };
}

function listApps(tree: MigrationTree, where: string): string {
  const lines = tree.apps.map((item) => {
    const names = tree.migrations.filter((entry) => entry.appPath === item.path).map((entry) => entry.name);
    const latest = names.slice(-3).join(', ');
    return `- ${item.label} (folder ${item.path || '.'}${item.label !== item.folderLabel ? `, label from ${item.labelSource}` : ''}): ${item.migrations} migrations; latest by name: ${latest}`;
  });
  return `${where} (commit ${tree.commitSha.slice(0, 12)}): ${tree.apps.length} apps, ${tree.migrations.length} migration files. Latest names are not necessarily the leaves: use app_graph for leaves and conflicts.\n${lines.join('\n')}`;
}

function listAppMigrations(entries: MigrationEntry[], tree: MigrationTree, where: string): string {
  const lines = entries.slice(0, MAX_LISTED).map((entry) => `- ${entry.name} (${entry.path})`);
  if (entries.length > MAX_LISTED) lines.push(`- …and ${entries.length - MAX_LISTED} more`);
  return `App ${entries[0]!.app} in ${where} (commit ${tree.commitSha.slice(0, 12)}): ${entries.length} migration files.\n${lines.join('\n')}`;
}

/** The file on GitHub, for the step card; an "app/0042" reference (no extension) is resolved only when read. */
function fileSources(context: ToolContext, input: unknown): TaskSource[] {
  const { github, scope, pr } = context;
  const path = (input as { path?: unknown } | undefined)?.path;
  if (typeof path !== 'string' || !/\.[a-z]+$/i.test(path.trim())) return [];
  const ref = (input as { at?: unknown }).at === 'base' && pr ? pr.baseSha : (scope.ref ?? 'HEAD');
  const url = `https://${github.webHost ?? 'github.com'}/${scope.repo.owner}/${scope.repo.repo}/blob/${encodeURIComponent(ref)}/${path.trim().replace(/^\/+/, '')}`;
  return [{ url, text: shortPath(path.trim()) }];
}

function readFileTool(context: ToolContext): ExpertTool {
  const { where, pr } = context;
  return {
    definition: {
      name: 'read_file',
      description: `Read one file of ${where}: a migration (path, "app/0042_name" or "app.0042_name") or any text file under ${TOOL_MAX_FILE_BYTES / 1000} KB (models.py, apps.py, settings).${pr ? ' `at` chooses the PR head (default) or its base branch.' : ''}`,
      input_schema: {
        type: 'object',
        properties: {
          path: { type: 'string', description: 'Path in the repository, or app/migration name.' },
          ...(pr ? { at: { type: 'string', enum: ['head', 'base'], description: 'Read from the PR head (default) or the base branch.' } } : {}),
        },
        required: ['path'],
      },
    },
    describe: (input) => {
      const path = (input as { path?: unknown } | undefined)?.path;
      return typeof path === 'string' ? `Reading ${shortPath(path.trim())}…` : 'Reading a file…';
    },
    sources: (input) => fileSources(context, input),
    run: async (input) => {
      const { path, at } = parseInput(readInput, input, 'read_file');
      return at === 'base' && pr ? readAtBase(context, pr, path) : readInScope(context, path);
    },
  };
}

async function readAtBase({ github, scope }: ToolContext, pr: PullRequestScope, path: string): Promise<string> {
  const result = await github.readFile({ ...scope.repo, ref: pr.baseSha, path, maxBytes: TOOL_MAX_FILE_BYTES });
  return result.ok ? fileText(result.file.path, `base ${pr.baseRef}`, result.file.text) : result.skipped.note;
}

/** A migration name or path goes through the scope's reader (and its cache); any other path is read as a file. */
async function readInScope({ github, scope, reader, where }: ToolContext, path: string): Promise<string> {
  const entry = await reader.findMigration(path).catch(() => undefined);
  if (entry !== undefined) {
    const read = await reader.readEntries([entry]);
    const file = read.files[0];
    if (file === undefined) return read.skipped[0]?.note ?? `${entry.path} could not be read.`;
    return fileText(file.path, where, file.text);
  }
  const result = await github.readFile({ ...scope.repo, ...(scope.ref === undefined ? {} : { ref: scope.ref }), path, maxBytes: TOOL_MAX_FILE_BYTES });
  return result.ok ? fileText(result.file.path, where, result.file.text) : result.skipped.note;
}

function analyzeMigrationsTool(context: ToolContext): ExpertTool {
  const { settings, where } = context;
  return {
    definition: {
      name: 'analyze_migrations',
      description: `Run migrate-help's engine (risk rules for ${settings.database}${settings.databaseVersion ? ` ${settings.databaseVersion}` : ''}) on migrations of ${where}, with the rest of their apps as context. Returns findings with why and the safe alternative.`,
      input_schema: {
        type: 'object',
        properties: { paths: { type: 'array', items: { type: 'string' }, description: `Up to ${MAX_ANALYZE_PATHS} migration paths or app/name references.` } },
        required: ['paths'],
      },
    },
    describe: (input) => {
      const paths = (input as { paths?: unknown } | undefined)?.paths;
      if (Array.isArray(paths) && paths.length === 1 && typeof paths[0] === 'string') return `Checking ${shortPath(paths[0])}…`;
      return Array.isArray(paths) ? `Checking ${paths.length} migrations…` : 'Checking migrations…';
    },
    run: async (input) => {
      const { paths } = parseInput(analyzeInput, input, 'analyze_migrations');
      const { targets, unknown } = await findTargets(context.reader, paths);
      if (targets.length === 0) return `None of ${paths.join(', ')} is a migration in ${where}; use list_migrations for the names.`;
      return analyzeTargets(context, targets, unknown);
    },
  };
}

async function findTargets(reader: ScopeReader, paths: string[]): Promise<{ targets: MigrationEntry[]; unknown: string[] }> {
  const targets: MigrationEntry[] = [];
  const unknown: string[] = [];
  for (const path of paths) {
    const entry = await reader.findMigration(path);
    if (entry === undefined) unknown.push(path);
    else if (!targets.includes(entry)) targets.push(entry);
  }
  return { targets, unknown };
}

async function analyzeTargets({ reader, settings, where }: ToolContext, targets: MigrationEntry[], unknown: string[]): Promise<string> {
  const context = await parsedWithContext(reader, targets);
  const { files } = context;
  const paths = targets.map((entry) => entry.path);
  const report = analyze(files, settings, { targets: paths });
  const statementsOf = statementsByFinding(await predictForReport(files, report.settings, paths));
  const lines = [`Engine findings for ${targets.map((entry) => shortPath(entry.path)).join(', ')} in ${where} (${report.settings.database} ${report.settings.versionText}; ${files.length} migrations read as context):`];
  const findings = report.findings.filter((finding) => finding.ruleId !== 'multiple-leaf-nodes' || targets.some((entry) => entry.path === finding.path));
  if (findings.length === 0) lines.push('No findings: no risky operations found.');
  lines.push(...describeFindings(findings, statementsOf));
  if (unknown.length > 0) lines.push(`Not found in ${where}: ${unknown.join(', ')}.`);
  const { skipped } = context;
  if (skipped.length > 0) lines.push(`Not read: ${skipped.map((item) => item.note).join(' ')}`);
  if (context.truncated.length > 0) lines.push(`Only the newest ${files.length} migrations of ${context.truncated.join(', ')} were read as context.`);
  return lines.join('\n');
}

/** predict_sql over the repository in play: a path resolves to the migration, read with the rest of its app. */
function predictSqlTool({ reader, settings, where }: ToolContext): ExpertTool {
  const find = async (path: string): Promise<FoundMigration | string> => {
    const entry = await reader.findMigration(path);
    if (entry === undefined) return `No migration "${path}" in ${where}; use list_migrations for the names.`;
    const { files, skipped, truncated } = await parsedWithContext(reader, [entry]);
    const notes = [...(skipped.length > 0 ? [`Not read: ${skipped.map((item) => item.note).join(' ')}`] : []), ...(truncated.length > 0 ? [`Only the newest migrations of ${truncated.join(', ')} were read as context.`] : [])];
    return { target: entry.path, files, notes };
  };
  return createPredictSqlTool({ settings, repo: { where, find } });
}

function appGraphTool({ reader, where }: ToolContext): ExpertTool {
  return {
    definition: {
      name: 'app_graph',
      description: `The migration graph of one app of ${where}: leaves (several leaves = a conflict to merge), cycles, missing dependencies, and the forward plan.`,
      input_schema: { type: 'object', properties: { app: { type: 'string', description: 'App label or folder.' } }, required: ['app'] },
    },
    describe: (input) => {
      const app = (input as { app?: unknown } | undefined)?.app;
      return typeof app === 'string' ? `Building the ${app} migration graph…` : 'Building a migration graph…';
    },
    run: async (input) => {
      const { app } = parseInput(graphInput, input, 'app_graph');
      const entries = await reader.appEntries(app);
      if (entries.length === 0) {
        const tree = await reader.tree();
        return `No app "${app}" with migrations in ${where}. Apps: ${tree.apps.map((item) => item.label).join(', ') || 'none'}.`;
      }
      const label = entries[0]!.app;
      const report: GraphReport = await reader.graph([label]);
      const note = `Graph of ${label} in ${where}, built from its ${entries.length} migration files (dependencies on other apps are treated as satisfied).`;
      return `${note}\n${renderGraphMarkdown(report, { planLimit: GRAPH_PLAN_LIMIT })}`;
    },
  };
}

function prMigrationFilesTool(pr: PullRequestScope): ExpertTool {
  return {
    definition: {
      name: 'pr_migration_files',
      description: `The migration files pull request #${pr.number} adds, changes, renames or removes, with their contents at the PR head.`,
      input_schema: { type: 'object', properties: {} },
    },
    describe: () => `Reading the migration files of #${pr.number}…`,
    run: () => prMigrationFilesText(pr),
  };
}

/** The PR's migration changes, then the head files in order until the length budget is spent. */
function prMigrationFilesText(pr: PullRequestScope): string {
  const parts = [`Pull request #${pr.number} "${pr.title}" (base ${pr.baseRef} at ${pr.baseSha.slice(0, 12)}, head ${pr.headSha.slice(0, 12)}): ${pr.migrationChanges.length} migration file changes.`];
  for (const change of pr.migrationChanges) parts.push(`- ${change.status} ${change.path}${change.previousPath ? ` (from ${change.previousPath})` : ''}`);
  let room = MAX_PR_CHARS;
  for (const file of pr.headFiles) {
    if (room <= 0) {
      parts.push(`(${file.path} left out for length; use read_file.)`);
      continue;
    }
    const text = file.text.length > room ? `${file.text.slice(0, room)}\n[… cut]` : file.text;
    room -= file.text.length;
    parts.push(fileText(file.path, `head (app ${file.app})`, text));
  }
  return parts.join('\n');
}

function fileText(path: string, where: string, text: string): string {
  const numbered = text
    .split('\n')
    .map((line, index) => `${String(index + 1).padStart(4, ' ')}  ${line}`)
    .join('\n');
  return `${path} (${where}), with line numbers:\n${numbered}`;
}

/** Findings as plain text for the model: message, the predicted SQL when known, why (first paragraph) and the safe alternative. */
export function describeFindings(findings: readonly Finding[], statementsOf: StatementsOf = () => []): string[] {
  const explained = new Set<string>();
  return findings.map((finding) => {
    const sql = predictedSqlLines(statementsOf(finding)).map((line) => `\n  ${line}`).join('');
    const head = `[${finding.severity}] ${finding.ruleId} at ${finding.path}:${finding.line}${finding.operation ? ` (${finding.operation.type})` : ''}: ${finding.message}${sql}`;
    if (explained.has(finding.ruleId)) return head;
    explained.add(finding.ruleId);
    const why = finding.why.trim().split(/\n\s*\n/)[0] ?? '';
    const alternative = finding.safeAlternative.trim();
    const cut = alternative.length > ALTERNATIVE_CHARS ? `${alternative.slice(0, ALTERNATIVE_CHARS)}\n[… recipe cut]` : alternative;
    return `${head}\n  Why: ${why}\n  Safe alternative:\n${cut}`;
  });
}
