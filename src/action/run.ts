/**
 * The GitHub Action: `check` on the migrations a pull request adds or changes (`--since` the event's base
 * sha), then annotations on stdout, the job summary, step outputs and the sticky PR comment. The check
 * itself goes through the CLI (`runCli … --format json`), so the Action takes exactly the CLI's flags; the
 * SQL and locks under each finding are predicted from the files that check parsed.
 */
import { appendFileSync } from 'node:fs';
import { runCli } from '../cli/main.js';
import { escapeData, renderGithub } from '../engine/report/github.js';
import { renderNoRisks, renderPrComment, renderResolvedComment } from '../engine/report/pr-comment.js';
import type { FindingSection } from '../engine/report/pr-comment.js';
import { predictForReport, sqlSections } from '../engine/report/sql.js';
import type { CheckResult } from '../cli/commands/check.js';
import type { Finding } from '../engine/rules/types.js';
import { upsertStickyComment } from '../github/sticky-comment.js';
import type { StickyOutcome } from '../github/sticky-comment.js';
import { GitHubOctokit } from '../github/transport.js';
import { ActionSetupError, readInputs, readPullRequest } from './inputs.js';
import type { ActionInputs, Env, PullRequestEvent } from './inputs.js';

export interface ActionIO {
  env: Env;
  cwd: string;
  stdout(text: string): void;
  /** Another fetch for the GitHub API (tests); default globalThis.fetch. */
  fetch?: typeof fetch;
}

interface CheckDocument {
  settings?: { database: string; databaseVersion: string };
  summary: { error: number; warning: number; info: number };
  findings: Finding[];
}

const EXIT_SETUP = 2;

export function checkArgs(inputs: ActionInputs, pr: PullRequestEvent | null): string[] {
  return [
    'check',
    ...inputs.paths,
    '--format',
    'json',
    '--fail-on',
    inputs.failOn,
    ...(inputs.database ? ['--database', inputs.database] : []),
    ...(inputs.dbVersion ? ['--db-version', inputs.dbVersion] : []),
    ...(inputs.baseline ? ['--baseline', inputs.baseline] : []),
    ...(pr ? ['--since', pr.baseSha] : []),
  ];
}

/** The check's JSON document, and the parsed result it was printed from (the files, for the SQL). */
async function runCheck(args: string[], io: ActionIO): Promise<{ code: number; document?: CheckDocument; checked?: CheckResult; stderr: string }> {
  let checked: CheckResult | undefined;
  const { code, stdout, stderr } = await runCliCaptured(args, io, (result) => (checked = result));
  if (code === 0 || code === 1) return { code, document: JSON.parse(stdout) as CheckDocument, ...(checked ? { checked } : {}), stderr };
  return { code, stderr };
}

async function runCliCaptured(args: string[], io: ActionIO, onCheck?: (result: CheckResult) => void): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    cwd: io.env['GITHUB_WORKSPACE'] ?? io.cwd,
    env: io.env,
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    stdoutIsTTY: false,
    stdinIsTTY: true,
    readStdin: async () => '',
    ...(onCheck ? { onCheck } : {}),
  });
  return { code, stdout, stderr };
}

function createOctokit(token: string, io: ActionIO): GitHubOctokit {
  const quiet = { debug: () => undefined, info: () => undefined, warn: (message: string) => io.stdout(`::debug::${escapeData(String(message))}\n`), error: (message: string) => io.stdout(`::debug::${escapeData(String(message))}\n`) };
  return new GitHubOctokit({
    auth: token,
    baseUrl: (io.env['GITHUB_API_URL'] ?? 'https://api.github.com').replace(/\/+$/, ''),
    userAgent: 'migrate-help-action',
    log: quiet,
    ...(io.fetch ? { request: { fetch: io.fetch } } : {}),
    // One wait for a short rate-limit reset, then give up: the check result matters more than the comment.
    throttle: { onRateLimit: (retryAfter: number, _options: unknown, _octokit: unknown, retryCount: number) => retryCount === 0 && retryAfter <= 60, onSecondaryRateLimit: (retryAfter: number, _options: unknown, _octokit: unknown, retryCount: number) => retryCount === 0 && retryAfter <= 60 },
    retry: { retries: 2, doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
  });
}

function runUrl(env: Env): string | undefined {
  const server = env['GITHUB_SERVER_URL'];
  const repository = env['GITHUB_REPOSITORY'];
  const run = env['GITHUB_RUN_ID'];
  return server && repository && run ? `${server}/${repository}/actions/runs/${run}` : undefined;
}

/** `name=value` lines; a value with a newline would need the heredoc form, and these have none. */
function writeOutputs(env: Env, outputs: Record<string, string | number>): void {
  const file = env['GITHUB_OUTPUT'];
  if (!file) return;
  appendFileSync(file, Object.entries(outputs).map(([name, value]) => `${name}=${String(value).replace(/\n/g, ' ')}\n`).join(''));
}

function writeSummary(env: Env, markdown: string): void {
  const file = env['GITHUB_STEP_SUMMARY'];
  if (file) appendFileSync(file, markdown.endsWith('\n') ? markdown : `${markdown}\n`);
}

async function postComment(io: ActionIO, inputs: ActionInputs, pr: PullRequestEvent, document: CheckDocument, details: { headSha: string; url?: string; sections?: (finding: Finding) => FindingSection[] }): Promise<StickyOutcome | null> {
  if (!inputs.comment) return null;
  if (!inputs.token) {
    io.stdout('::warning title=migrate-help::No token, so no PR comment: pass `github-token` (the default is the workflow token) and grant `pull-requests: write`.\n');
    return null;
  }
  const settings = document.settings ? { database: document.settings.database, versionText: document.settings.databaseVersion } : undefined;
  const common = { headSha: details.headSha, ...(settings ? { settings } : {}), ...(details.url ? { detailsUrl: details.url } : {}) };
  const octokit = createOctokit(inputs.token, io);
  const ref = { owner: pr.owner, repo: pr.repo, number: pr.number };
  try {
    if (document.findings.length === 0) return await upsertStickyComment(octokit, ref, renderResolvedComment(common), { onlyIfPresent: true });
    return await upsertStickyComment(octokit, ref, renderPrComment({ ...common, findings: document.findings, ...(details.sections ? { sections: details.sections } : {}) }));
  } catch (error) {
    const status = (error as { status?: number }).status;
    const hint = status === 403 || status === 404 ? ' The token cannot write comments here: grant `permissions: pull-requests: write` (pull requests from forks get a read-only token).' : '';
    io.stdout(`::warning title=migrate-help::Could not write the PR comment (${status ?? (error as Error).message}).${escapeData(hint)}\n`);
    return null;
  }
}

/** Runs the Action; resolves to its exit code (the CLI's: 0 clean, 1 findings at --fail-on, 2 setup problems). */
export async function runAction(io: ActionIO): Promise<number> {
  let inputs: ActionInputs;
  let pr: PullRequestEvent | null;
  try {
    inputs = readInputs(io.env);
    pr = readPullRequest(io.env);
  } catch (error) {
    if (!(error instanceof ActionSetupError)) throw error;
    io.stdout(`::error title=migrate-help::${escapeData(error.message)}\n`);
    return EXIT_SETUP;
  }
  const result = await runCheck(checkArgs(inputs, pr), io);
  if (!result.document) {
    const message = result.stderr.trim() || `migrate-help check exited with ${result.code}.`;
    io.stdout(`::error title=migrate-help::${escapeData(message)}\n`);
    writeSummary(io.env, `### migrate-help could not run\n\n\`\`\`\n${message}\n\`\`\`\n`);
    return result.code;
  }
  const { document } = result;
  io.stdout(renderGithub({ findings: document.findings }));
  const headSha = pr?.headSha ?? io.env['GITHUB_SHA'] ?? '';
  const url = runUrl(io.env);
  const settings = document.settings ? { database: document.settings.database, versionText: document.settings.databaseVersion } : undefined;
  const common = { headSha, ...(settings ? { settings } : {}), ...(url ? { detailsUrl: url } : {}) };
  // The SQL under each finding comes from the files the check parsed: the tree is read once.
  const checked = result.checked;
  const sections = checked && checked.report.findings.length > 0 ? sqlSections(await predictForReport(checked.files, checked.report.settings, checked.targets)) : undefined;
  writeSummary(io.env, document.findings.length > 0 ? renderPrComment({ ...common, findings: document.findings, ...(sections ? { sections } : {}) }) : renderNoRisks(common));
  const comment = pr ? await postComment(io, inputs, pr, document, { headSha, ...(url ? { url } : {}), ...(sections ? { sections } : {}) }) : null;
  writeOutputs(io.env, {
    findings: document.findings.length,
    errors: document.summary.error,
    warnings: document.summary.warning,
    'comment-url': comment && comment.action !== 'none' ? comment.url : '',
  });
  return result.code;
}
