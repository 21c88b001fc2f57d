/**
 * Grounders that bring a GitHub repository into an answer:
 *   - pull request review: the PR's migrations checked by the engine with the base branch's
 *     migrations as context (conflicting numbers, missing dependencies), a deterministic risk report
 *     (each risk quoting its predicted SQL and lock) shown first, then the model's review with the report, the file contents and PR-scoped tools;
 *   - the channel's linked repository: tools to read it, and the files of migrations a pasted error
 *     or `showmigrations` output names;
 *   - the linked repository's graph, for the playbook grounder's showmigrations comparison.
 */
import { parseShowMigrations } from '../engine/index.js';
import type { EngineSettings, Finding, GraphReport, Report } from '../engine/index.js';
import { isAppError } from '../errors.js';
import { statementsByFinding } from '../engine/report/sql.js';
import type { StatementsOf } from '../engine/report/sql.js';
import { blocksWithin, databaseName, unwrapProse } from '../pipeline/grounders/markdown.js';
import { quoteStatements } from '../pipeline/grounders/sql-quote.js';
import { fixablePaths } from '../pipeline/safe-version.js';
import { REVIEW_QUESTION_PREFIX } from '../pipeline/review.js';
import type { Grounder, Grounding, Question } from '../pipeline/types.js';
import type { GitHub } from './client.js';
import { lintSources } from './pr-lint.js';
import { formatPullRequest, formatRepo } from './refs.js';
import { createScopeReader, migrationsNamedIn, scopeForLink, shortPath, type LinkedRepo, type RepoScope, type ScopeReader } from './repo-context.js';
import { createRepoTools, describeFindings } from './tools.js';
import type { PullRequestRef, ReviewContext } from './types.js';

export interface RepoGrounderOptions {
  github: GitHub;
  /** The repository linked to the question's channel, or null. */
  linkFor(question: Question): Promise<LinkedRepo | null>;
  /** Target database/version for the question's channel. */
  settingsFor(question: Question): Promise<EngineSettings>;
}

/** Keeps the report readable in a thread (every finding is listed; recipes are cut); the model gets them in full. */
const ALTERNATIVE_SHOWN_CHARS = 1_200;
const MAX_ITEMS_PER_RULE = 6;
const SEVERITIES = ['error', 'warning', 'info'] as const;
const HEADINGS = { error: 'Errors', warning: 'Warnings', info: 'Info' } as const;
const CONTEXT_FILE_CHARS = 40_000;
const MAX_NAMED_FILES = 4;

const REVIEW_UNAVAILABLE_NOTE = 'The expert review is unavailable, so only the risk report above is shown; it comes from migrate-help’s own analysis and does not depend on the model.';

type PullRequestTarget = { ref: PullRequestRef; explicit: boolean; others: PullRequestRef[]; fromHistory?: boolean } | { invalid: string; explicit: boolean };


/**
 * The pull request a question is about: the one `/migrate-help review` names, else a PR URL in the
 * text, else `owner/repo#N` when the channel is linked to that repository.
 */
function pullRequestFor(github: GitHub, question: Question, link: LinkedRepo | null): PullRequestTarget | undefined {
  if (question.reviewRef !== undefined) {
    const ref = github.parsePullRequest(question.reviewRef);
    return ref === null ? { invalid: question.reviewRef, explicit: true } : { ref, explicit: true, others: [] };
  }
  const linked = link === null ? null : github.parseRepo(link.repo);
  const refsIn = (text: string): PullRequestRef[] => {
    const lower = text.toLowerCase();
    return github.findPullRequests(text).filter((ref) => {
      const sameAsLink = linked !== null && linked.owner.toLowerCase() === ref.owner.toLowerCase() && linked.repo.toLowerCase() === ref.repo.toLowerCase();
      return sameAsLink || lower.includes(`${ref.owner}/${ref.repo}/pull/${ref.number}`.toLowerCase()) || text.startsWith(REVIEW_QUESTION_PREFIX);
    });
  };
  const [first, ...others] = refsIn(question.text);
  if (first !== undefined) return { ref: first, explicit: false, others };
  // A follow-up in a review thread: the PR named earlier is still the one in play.
  for (const turn of [...question.history].reverse()) {
    if (turn.role !== 'user') continue;
    const [earlier] = refsIn(turn.text);
    if (earlier !== undefined) return { ref: earlier, explicit: false, others: [], fromHistory: true };
  }
  return undefined;
}

export function createPullRequestGrounder(options: RepoGrounderOptions): Grounder {
  const { github } = options;
  return {
    name: 'pull-request-review',
    async ground(question, context) {
      const target = pullRequestFor(github, question, await options.linkFor(question));
      if (target === undefined) return undefined;
      if ('invalid' in target) {
        return { deterministicMarkdown: `_"${target.invalid}" is not a pull request: use a PR URL or owner/repo#123._`, skipModel: true };
      }
      const name = formatPullRequest(target.ref);
      let review: ReviewContext;
      // A review shows as a plan: reading the PR, checking its migrations, the expert's review.
      if (target.fromHistory !== true) await context.plan?.(`Reviewing ${name}`);
      try {
        await safeStatus(context, `Reading pull request ${name}…`);
        await context.task?.({ id: 'pr-read', title: `Reading pull request ${name}`, status: 'in_progress' });
        // The touched apps' base history too (conflicts, earlier model state): read with the PR's files in batched GraphQL queries.
        review = await github.loadReviewContext(target.ref, { baseContents: 'touched-apps' });
      } catch (error) {
        const reason = isAppError(error) ? error.userMessage : 'an unexpected error while reading it from GitHub.';
        await context.task?.({ id: 'pr-read', title: `Reading pull request ${name}`, status: 'error', details: reason });
        const line = `_I could not review ${name}: ${reason}_`;
        if (target.fromHistory === true) return { contextForModel: `Note: the pull request ${name} discussed in this thread could not be read again: ${reason}` };
        // Asked for a review: the refusal is the answer. In a question: say it, and let the model answer the rest.
        return target.explicit ? { deterministicMarkdown: line, skipModel: true } : { deterministicMarkdown: line, contextForModel: `Note: ${line.replace(/_/g, '')}` };
      }
      const pr = review.pullRequest;
      await context.task?.({
        id: 'pr-read',
        title: `Reading pull request ${name}`,
        status: 'complete',
        details: `${review.migrationChanges.length} migration file change${review.migrationChanges.length === 1 ? '' : 's'}`,
        ...(pr.url ? { sources: [{ url: pr.url, text: name }] } : {}),
      });
      if (review.migrationChanges.length === 0) {
        if (target.fromHistory === true) return { contextForModel: `The pull request ${name} discussed in this thread changes no migration files.` };
        const files = review.changedFiles.length;
        return {
          deterministicMarkdown: `${name} (“${pr.title}”) changes no migration files (${files} file${files === 1 ? '' : 's'} changed), so there is nothing for me to review.`,
          skipModel: true,
        };
      }

      const checking = `Checking ${review.headFiles.length} migration${review.headFiles.length === 1 ? '' : 's'} of ${name}`;
      await safeStatus(context, `${checking}…`);
      await context.task?.({ id: 'pr-check', title: checking, status: 'in_progress' });
      const settings = await options.settingsFor(question);
      const { report, sql } = await lintSources(review.engineInput.sources, settings, review.engineInput.targets);
      const statementsOf = statementsByFinding(sql);
      const targets = new Set(review.engineInput.targets);
      const findings = report.findings.filter((finding) => targets.has(finding.path));
      const graph = graphProblems(review, report);
      await context.task?.({ id: 'pr-check', title: checking, status: 'complete', details: `${findings.length === 0 ? 'No' : findings.length} finding${findings.length === 1 ? '' : 's'}` });

      const scope: RepoScope = {
        repo: { owner: pr.owner, repo: pr.repo },
        ref: pr.head.sha,
        label: `${name} (head ${pr.head.ref})`,
        pullRequest: { number: pr.number, title: pr.title, baseRef: pr.base.ref, baseSha: pr.base.sha, headSha: pr.head.sha, migrationChanges: review.migrationChanges, headFiles: review.headFiles },
      };
      if (target.fromHistory === true) {
        // The report is already in the thread: only the facts and the PR's tools for the follow-up.
        return { contextForModel: renderReviewContext({ name, review, report, findings, graph, statementsOf }, { followUp: true }), tools: createRepoTools({ github, scope, settings }) };
      }
      const others = target.others.length > 0 ? `\n\n_I review one pull request per question; ask again for ${target.others.map(formatPullRequest).join(', ')}._` : '';
      const fixable = fixablePaths(findings, review.headFiles.map((file) => file.path), report.settings.database);
      return {
        ...(fixable.length === 0 ? {} : { safeVersion: { kind: 'repository' as const, repo: formatRepo(pr), sha: pr.head.sha, paths: fixable } }),
        deterministicMarkdown: `${renderReport({ name, review, report, findings, graph, statementsOf })}${others}`,
        contextForModel: renderReviewContext({ name, review, report, findings, graph, statementsOf }),
        tools: createRepoTools({ github, scope, settings }),
        modelUnavailableNote: REVIEW_UNAVAILABLE_NOTE,
      };
    },
  };
}

interface GraphProblems {
  conflicts: Array<{ app: string; leaves: string[]; prLeaves: string[] }>;
  missing: Array<{ path: string; line: number; node: string }>;
}

/** Conflicts in the apps the PR touches, and dependencies of the PR's files that name nothing. */
function graphProblems(review: ReviewContext, report: Report): GraphProblems {
  const headIds = new Set(review.headFiles.map((file) => `${file.app}.${file.name}`));
  const touched = new Set(review.touchedApps);
  const conflicts = report.graph.conflicts
    .filter((conflict) => touched.has(conflict.app))
    .map((conflict) => ({ app: conflict.app, leaves: conflict.leaves, prLeaves: conflict.leaves.filter((leaf) => headIds.has(leaf)) }));
  const targets = new Set(review.engineInput.targets);
  const missing = new Map<string, { path: string; line: number; node: string }>();
  for (const item of report.graph.missing) {
    // Base files read as context can point at older files that were not read: only the PR's own dependencies count.
    if (!targets.has(item.path) || item.via !== 'dependency') continue;
    const node = `${item.missing.app}.${item.missing.name}`;
    missing.set(`${item.path}\u0000${node}`, { path: item.path, line: item.line, node });
  }
  for (const item of review.unresolvedDependencies) {
    const node = `${item.app}.${item.name}`;
    missing.set(`${item.path}\u0000${node}`, { path: item.path, line: item.line, node });
  }
  return { conflicts, missing: [...missing.values()] };
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

function changeSummary(review: ReviewContext): string {
  const counts = new Map<string, number>();
  for (const change of review.migrationChanges) counts.set(change.status, (counts.get(change.status) ?? 0) + 1);
  return [...counts].map(([status, count]) => `${count} ${status}`).join(', ');
}

/** What the review's report and the model's context are written from. */
interface ReviewFacts {
  name: string;
  review: ReviewContext;
  report: Report;
  findings: Finding[];
  graph: GraphProblems;
  statementsOf: StatementsOf;
}

function renderReport({ name, review, report, findings, graph, statementsOf }: ReviewFacts): string {
  const pr = review.pullRequest;
  const total = review.migrationChanges.length;
  const sections = [`**Migration review of ${name}** “${pr.title}” (${code(pr.head.ref)} → ${code(pr.base.ref)}): ${total} migration file${total === 1 ? '' : 's'} changed (${changeSummary(review)}).`];
  sections.push(...renderFindings(findings, `${databaseName(report.settings.database)} ${report.settings.versionText}`, statementsOf));
  const graphLines: string[] = [];
  for (const conflict of graph.conflicts) {
    const base = conflict.leaves.filter((leaf) => !conflict.prLeaves.includes(leaf));
    graphLines.push(
      `- Conflict in ${code(conflict.app)}: after merge it has ${conflict.leaves.length} leaf migrations (${conflict.leaves.map(code).join(', ')}); ${conflict.prLeaves.length > 0 && base.length > 0 ? `${conflict.prLeaves.map(code).join(', ')} from this PR and ${base.map(code).join(', ')} already on ${code(pr.base.ref)}` : 'the branches diverge'}. Rebase and renumber the PR's migration (its dependency must be the newest on ${code(pr.base.ref)}), or add a merge migration with \`python manage.py makemigrations --merge\`.`,
    );
  }
  for (const item of graph.missing) {
    graphLines.push(`- Missing dependency: ${code(`${shortPath(item.path)}:${item.line}`)} depends on ${code(item.node)}, which exists neither on ${code(pr.base.ref)} nor in this PR (Django raises NodeNotFoundError).`);
  }
  if (graphLines.length > 0) sections.push(`**Graph after merge**\n${graphLines.join('\n')}`);
  else sections.push(`**Graph after merge**: no conflicts or missing dependencies with ${code(pr.base.ref)}.`);
  if (review.skipped.length > 0) sections.push(review.skipped.map((item) => `_${item.note}_`).join('\n'));
  return sections.join('\n\n');
}

function countText(findings: readonly Finding[]): string {
  return SEVERITIES.map((severity) => [severity, findings.filter((finding) => finding.severity === severity).length] as const)
    .filter(([, count]) => count > 0)
    .map(([severity, count]) => (severity === 'info' ? `${count} info` : `${count} ${severity}${count === 1 ? '' : 's'}`))
    .join(', ');
}

/**
 * Findings by severity, then rule: every finding listed with the SQL its operation runs and the lock it
 * takes, each rule's safe alternative once (long recipes cut between blocks).
 */
function renderFindings(findings: readonly Finding[], target: string, statementsOf: StatementsOf): string[] {
  if (findings.length === 0) return [`**Migration risk report** (${target}): no risky operations found.`];
  const sections = [`**Migration risk report** (${target}): ${countText(findings)}.`];
  for (const severity of SEVERITIES) {
    const ofSeverity = findings.filter((finding) => finding.severity === severity);
    if (ofSeverity.length === 0) continue;
    sections.push(`**${HEADINGS[severity]}**`);
    const rules = [...new Set(ofSeverity.map((finding) => finding.ruleId))];
    for (const ruleId of rules) {
      const group = ofSeverity.filter((finding) => finding.ruleId === ruleId);
      const items = group.slice(0, MAX_ITEMS_PER_RULE).flatMap((finding) => {
        const item = `- ${code(`${shortPath(finding.path)}:${finding.line}`)}${finding.operation ? ` (${finding.operation.type})` : ''}: ${finding.message}`;
        const quote = quoteStatements(statementsOf(finding));
        return quote ? [item, quote] : [item];
      });
      if (group.length > MAX_ITEMS_PER_RULE) items.push(`- …and ${group.length - MAX_ITEMS_PER_RULE} more like this`);
      const alternative = group[0]!.safeAlternative.trim();
      const more = `_(Shortened: the full recipe is in ${code(`docs/rules/${ruleId}.md`)}.)_`;
      sections.push(`${code(ruleId)}\n${items.join('\n')}${alternative ? `\n\n_Safe alternative:_\n${blocksWithin(unwrapProse(alternative), ALTERNATIVE_SHOWN_CHARS, more)}` : ''}`);
    }
  }
  return sections;
}

function renderReviewContext({ name, review, report, findings, graph, statementsOf }: ReviewFacts, options: { followUp?: boolean } = {}): string {
  const pr = review.pullRequest;
  const posted = options.followUp === true ? 'Earlier in this thread migrate-help posted a deterministic risk report of its migrations, and this is a follow-up question' : 'migrate-help already posted a deterministic risk report of its migrations above your answer';
  const parts = [
    `The user asked about pull request ${name} “${pr.title}” by ${pr.author ?? 'unknown'} (${pr.state}${pr.draft ? ', draft' : ''}; base ${pr.base.ref} at ${pr.base.sha.slice(0, 12)}, head ${pr.head.ref} at ${pr.head.sha.slice(0, 12)}). ${posted} (engine target ${report.settings.database} ${report.settings.versionText}). Write the review below it: what matters for deploying these migrations safely, most serious first, with concrete fixes; do not repeat the report's list. Tools read the PR head (and the base branch) if you need more.`,
    `Migration file changes:\n${review.migrationChanges.map((change) => `- ${change.status} ${change.path}${change.previousPath ? ` (from ${change.previousPath})` : ''}`).join('\n')}`,
    findings.length === 0 ? 'Engine findings: none.' : `Engine findings (${findings.length}):\n${describeFindings(findings, statementsOf).join('\n\n')}`,
  ];
  const graphFacts = [
    ...graph.conflicts.map((conflict) => `Conflict after merge in ${conflict.app}: leaves ${conflict.leaves.join(', ')} (from this PR: ${conflict.prLeaves.join(', ') || 'none'}).`),
    ...graph.missing.map((item) => `Missing dependency: ${item.path}:${item.line} depends on ${item.node}, found neither on ${pr.base.ref} nor in the PR.`),
  ];
  parts.push(graphFacts.length > 0 ? `Graph after merge:\n${graphFacts.join('\n')}` : 'Graph after merge: no conflicts or missing dependencies.');
  const leaves = review.touchedApps.map((app) => `${app}: ${(report.graph.apps[app]?.leaves ?? []).join(', ') || 'none'}`);
  if (leaves.length > 0) parts.push(`Leaves of the touched apps after merge: ${leaves.join('; ')}.`);
  let room = CONTEXT_FILE_CHARS;
  const contents: string[] = [];
  for (const file of review.headFiles) {
    if (room <= 0) {
      contents.push(`(${file.path} left out for length: use pr_migration_files or read_file.)`);
      continue;
    }
    const text = file.text.length > room ? `${file.text.slice(0, room)}\n[… cut]` : file.text;
    room -= file.text.length;
    contents.push(`${file.path} (app ${file.app}) at the PR head:\n\`\`\`python\n${text}\n\`\`\``);
  }
  if (contents.length > 0) parts.push(contents.join('\n\n'));
  if (review.skipped.length > 0) parts.push(`Not read: ${review.skipped.map((item) => item.note).join(' ')}`);
  return parts.join('\n\n');
}

async function safeStatus(context: { status(text: string): Promise<void> }, text: string): Promise<void> {
  try {
    await context.status(text);
  } catch {
    // A status line is a nicety; the answer reports transport failures.
  }
}

/**
 * One reader of the linked repository per question (and client), shared by the playbook's graph and
 * the linked-repository grounder and its tools: the tree is listed, and each migration parsed, once
 * per question rather than once per grounder.
 */
const linkedReaders = new WeakMap<Question, Array<{ github: GitHub; label: string; reader: ScopeReader }>>();

function linkedReaderFor(github: GitHub, question: Question, scope: RepoScope): ScopeReader {
  const readers = linkedReaders.get(question) ?? [];
  linkedReaders.set(question, readers);
  const known = readers.find((item) => item.github === github && item.label === scope.label);
  if (known !== undefined) return known.reader;
  const reader = createScopeReader(github, scope);
  readers.push({ github, label: scope.label, reader });
  return reader;
}

function allowlistRefusal(github: GitHub, repo: Parameters<GitHub['allowlist']['check']>[0]): string {
  try {
    github.allowlist.check(repo);
    return 'it is not allowed';
  } catch (error) {
    return isAppError(error) ? error.userMessage : 'it is not allowed';
  }
}

/**
 * The channel's linked repository: PR-free questions get tools over it, and migrations the question
 * names (a traceback's `0042_add_email`, showmigrations lines) are read and given to the model.
 */
export function createLinkedRepoGrounder(options: RepoGrounderOptions): Grounder {
  const { github } = options;
  return {
    name: 'linked-repository',
    async ground(question, context): Promise<Grounding | undefined> {
      const link = await options.linkFor(question);
      if (link === null) return undefined;
      // A pull request in play brings its own repository tools (same names).
      if (pullRequestFor(github, question, link) !== undefined) return undefined;
      const scope = scopeForLink(github, link);
      if (scope === null) return undefined;
      if (!github.allowlist.allows(scope.repo)) {
        // The link predates an allowlist change: say why the answer has no repository context.
        const why = allowlistRefusal(github, scope.repo);
        return { deterministicMarkdown: `_This channel is linked to ${scope.label}, but I can't read it: ${why}_`, contextForModel: `This channel is linked to ${scope.label}, which the bot may no longer read (${why}). Answer without the repository.` };
      }
      const reader = linkedReaderFor(github, question, scope);
      const settings = await options.settingsFor(question);
      const parts = [
        `This channel is linked to the GitHub repository ${scope.label}${link.branch === null ? ' (default branch)' : ''}. When the answer depends on the team's real migrations, read them with the tools (list_migrations, read_file, analyze_migrations, app_graph) instead of guessing.`,
      ];
      const searchable = [question.text, ...(question.files ?? []).filter((file) => !/\.py$/i.test(file.name)).map((file) => file.text.slice(-50_000))].join('\n');
      if (/\d{4}_\w/.test(searchable)) {
        try {
          const tree = await reader.tree();
          const named = migrationsNamedIn(searchable, tree, MAX_NAMED_FILES);
          if (named.length > 0) {
            await safeStatus(context, `Reading ${named.map((entry) => shortPath(entry.path)).join(', ')} from ${scope.label}…`);
            const read = await reader.readEntries(named);
            let room = CONTEXT_FILE_CHARS;
            for (const file of read.files) {
              const text = file.text.length > room ? `${file.text.slice(0, Math.max(0, room))}\n[… cut]` : file.text;
              room -= file.text.length;
              parts.push(`The question names ${file.app}.${shortPath(file.path).split('/').pop()}; ${file.path} in ${scope.label}:\n\`\`\`python\n${text}\n\`\`\``);
            }
            if (read.skipped.length > 0) parts.push(`Not read: ${read.skipped.map((item) => item.note).join(' ')}`);
          }
        } catch (error) {
          parts.push(`Note: the linked repository could not be read just now (${isAppError(error) ? error.userMessage : 'unexpected error'}).`);
        }
      }
      return { contextForModel: parts.join('\n\n'), tools: createRepoTools({ github, scope, settings, reader }) };
    },
  };
}

/** The linked repository's graph (apps named in pasted showmigrations output, else all), for the playbook grounder. */
export function linkedGraphSource(options: Pick<RepoGrounderOptions, 'github' | 'linkFor'>): (question: Question) => Promise<GraphReport | undefined> {
  return async (question) => {
    const link = await options.linkFor(question);
    if (link === null) return undefined;
    const scope = scopeForLink(options.github, link);
    if (scope === null) return undefined;
    const reader = linkedReaderFor(options.github, question, scope);
    const tree = await reader.tree();
    const show = parseShowMigrations(question.text);
    const known = new Set(tree.migrations.map((entry) => entry.app));
    const apps = show ? Object.keys(show.apps).filter((app) => known.has(app)) : [];
    return reader.graph(apps.length > 0 ? apps : undefined);
  };
}
