/**
 * The PR review grounder, the linked-repository grounder and the model's repository tools, run
 * with the real Octokit client against the fake GitHub REST server.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHub, createMemoryCaches, type GitHub } from '../../src/github/index.js';
import { createLinkedRepoGrounder, createPullRequestGrounder, linkedGraphSource } from '../../src/github/grounders.js';
import { createRepoTools } from '../../src/github/tools.js';
import type { LinkedRepo } from '../../src/github/repo-context.js';
import type { ExpertTool, Grounding, Question } from '../../src/pipeline/types.js';
import { createFakeGitHub, migrationSource, type FakeGitHub } from '../fakes/github.js';
import { RISKY_ADD_FIELD, shopFiles } from './shop-repo.js';

const TOKEN = 'ghp_testtokentesttokentesttoken0013';
const repo = { owner: 'acme', repo: 'shop' };

let fake: FakeGitHub;
let github: GitHub;
const settings = { database: 'postgresql' as const, databaseVersion: '16' };

function question(text: string, extra: Partial<Question> = {}): Question {
  return { id: 'q1', source: 'mention', userId: 'U1', channel: 'C1', text, history: [], ...extra };
}

const statuses: string[] = [];
const groundContext = { status: async (text: string) => void statuses.push(text) };

beforeEach(async () => {
  statuses.length = 0;
  fake = await createFakeGitHub();
  fake.addToken(TOKEN, '*');
  fake.addRepo({ ...repo, private: true });
  fake.addRepo({ owner: 'other', repo: 'secret', private: true });
  fake.commit('acme', 'shop', 'main', shopFiles());
  github = createGitHub({ token: TOKEN, baseUrl: fake.url, allowedRepos: ['acme/shop'], allowedOrgs: [], caches: createMemoryCaches(), limits: { retryBaseMs: 1, graphqlIntervalMs: 0 } });
});
afterEach(async () => {
  await fake.close();
});

function openConflictingPullRequest(number: number): void {
  fake.commit('acme', 'shop', `feature-${number}`, { 'shop/migrations/0042_order_channel.py': migrationSource({ dependencies: [['shop', '0041_step_41']], operations: RISKY_ADD_FIELD }) }, { from: 'main' });
  fake.addPullRequest('acme', 'shop', { number, base: 'main', head: `feature-${number}`, title: 'Add order channel' });
}

const noLink = async (): Promise<LinkedRepo | null> => null;

describe('pull request review grounder', () => {
  it('reports the risky AddField with its safe alternative and the 0042 conflict with the base branch', async () => {
    openConflictingPullRequest(7);
    const grounder = createPullRequestGrounder({ github, linkFor: noLink, settingsFor: async () => settings });
    const grounding = (await grounder.ground(question('is https://github.com/acme/shop/pull/7 safe to deploy?'), groundContext)) as Grounding;

    const report = grounding.deterministicMarkdown!;
    expect(report).toContain('**Migration review of acme/shop#7** “Add order channel”');
    expect(report).toContain('add-field-not-null-without-db-default');
    expect(report).toContain('_Safe alternative:_');
    expect(report).toContain('db_default');
    expect(report).toMatch(/Conflict in `shop`: after merge it has 2 leaf migrations \(`shop.0042_order_channel`, `shop.0042_step_42`\)/);
    // Errors come before the graph section.
    expect(report.indexOf('**Errors**')).toBeLessThan(report.indexOf('**Graph after merge**'));
    expect(grounding.skipModel).toBeUndefined();
    expect(grounding.contextForModel).toContain("field=models.CharField(default='web', max_length=32)");
    expect(grounding.tools!.map((tool) => tool.definition.name)).toEqual(['list_migrations', 'read_file', 'analyze_migrations', 'app_graph', 'predict_sql', 'pr_migration_files']);
    // The risk quotes the statement the AddField runs (0001 on base made the model known) and its lock.
    expect(report).toContain('```sql\nALTER TABLE "shop_order" ADD COLUMN "channel" varchar(32) DEFAULT \'web\' NOT NULL;\n-- takes ACCESS EXCLUSIVE on "shop_order"\n');
    expect(grounding.contextForModel).toContain('Predicted SQL: ALTER TABLE "shop_order" ADD COLUMN "channel" varchar(32) DEFAULT \'web\' NOT NULL -- takes ACCESS EXCLUSIVE on "shop_order"');
    expect(statuses).toEqual(['Reading pull request acme/shop#7…', 'Checking 1 migration of acme/shop#7…']);
    // The PR's file and all 42 base migrations of `shop` in one GraphQL query: 4 calls.
    expect(fake.counts()).toMatchObject({ requests: 4, graphqlObjects: 43, byRoute: { 'pulls.get': 1, 'pulls.files': 1, 'git.trees': 1, graphql: 1 } });
  });

  it('reports a dependency on a migration that exists neither on base nor in the PR as missing', async () => {
    fake.commit('acme', 'shop', 'ghost', { 'shop/migrations/0043_ghost.py': migrationSource({ dependencies: [['shop', '0042_not_there']] }) }, { from: 'main' });
    fake.addPullRequest('acme', 'shop', { number: 8, base: 'main', head: 'ghost' });
    const grounder = createPullRequestGrounder({ github, linkFor: noLink, settingsFor: async () => settings });
    const grounding = (await grounder.ground(question('', { reviewRef: 'acme/shop#8', source: 'slash' }), groundContext)) as Grounding;
    expect(grounding.deterministicMarkdown).toContain('Missing dependency: `shop/0043_ghost:');
    expect(grounding.deterministicMarkdown).toContain('`shop.0042_not_there`');
  });

  it('says in one line that a PR without migrations has nothing to review, and skips the model', async () => {
    fake.commit('acme', 'shop', 'docs', { 'README.md': '# shop\n' }, { from: 'main' });
    fake.addPullRequest('acme', 'shop', { number: 9, base: 'main', head: 'docs', title: 'Docs' });
    const grounder = createPullRequestGrounder({ github, linkFor: noLink, settingsFor: async () => settings });
    const grounding = (await grounder.ground(question('', { reviewRef: 'https://github.com/acme/shop/pull/9' }), groundContext)) as Grounding;
    expect(grounding).toEqual({ deterministicMarkdown: 'acme/shop#9 (“Docs”) changes no migration files (1 file changed), so there is nothing for me to review.', skipModel: true });
  });

  it('refuses a repository outside the allowlist by naming the settings, without a request', async () => {
    const grounder = createPullRequestGrounder({ github, linkFor: noLink, settingsFor: async () => settings });
    const grounding = (await grounder.ground(question('', { reviewRef: 'other/secret#1' }), groundContext)) as Grounding;
    expect(grounding.skipModel).toBe(true);
    expect(grounding.deterministicMarkdown).toContain('GITHUB_ALLOWED_REPOS');
    expect(fake.counts().requests).toBe(0);
  });

  it('takes owner/repo#N from a mention only when the channel is linked to that repository', async () => {
    openConflictingPullRequest(7);
    const grounder = createPullRequestGrounder({ github, linkFor: noLink, settingsFor: async () => settings });
    expect(await grounder.ground(question('what about acme/shop#7?'), groundContext)).toBeUndefined();
    const linked = createPullRequestGrounder({ github, linkFor: async () => ({ repo: 'acme/shop', branch: null, path: null }), settingsFor: async () => settings });
    const grounding = (await linked.ground(question('what about acme/shop#7?'), groundContext)) as Grounding;
    expect(grounding.deterministicMarkdown).toContain('Migration review of acme/shop#7');
  });
});

async function runTool(tools: ExpertTool[], name: string, input: unknown): Promise<string> {
  const tool = tools.find((candidate) => candidate.definition.name === name);
  if (tool === undefined) throw new Error(`no tool ${name}`);
  return tool.run(input, {});
}

describe('repository tools', () => {
  const scope = { repo, label: 'acme/shop' };

  it('list, read, analyze and graph the linked repository, describing each call for the thread', async () => {
    fake.commit('acme', 'shop', 'main', { 'shop/migrations/0043_order_channel.py': migrationSource({ dependencies: [['shop', '0042_step_42']], operations: RISKY_ADD_FIELD }) });
    const tools = createRepoTools({ github, scope, settings });

    expect(await runTool(tools, 'list_migrations', {})).toContain('- shop (folder shop): 43 migrations; latest by name: 0041_step_41, 0042_step_42, 0043_order_channel');
    const listed = await runTool(tools, 'list_migrations', { app: 'shop' });
    expect(listed).toContain('- 0043_order_channel (shop/migrations/0043_order_channel.py)');

    const read = tools.find((tool) => tool.definition.name === 'read_file')!;
    expect(read.describe!({ path: 'shop/migrations/0043_order_channel.py' })).toBe('Reading shop/0043_order_channel…');
    const text = await runTool(tools, 'read_file', { path: 'shop/0043_order_channel' });
    expect(text).toContain("name='channel'");
    expect(await runTool(tools, 'read_file', { path: 'shop/models.py' })).toContain('from django.db import models');

    fake.resetCounts();
    const analysis = await runTool(tools, 'analyze_migrations', { paths: ['shop.0043_order_channel'] });
    // The app's other 42 migrations as context: one GraphQL query, not 42 blob calls.
    expect(fake.counts()).toMatchObject({ requests: 1, graphqlObjects: 42, byRoute: { graphql: 1 } });
    expect(analysis).toContain('[error] add-field-not-null-without-db-default at shop/migrations/0043_order_channel.py');
    expect(analysis).toContain('Safe alternative:');
    expect(analysis).toContain('  Predicted SQL: ALTER TABLE "shop_order" ADD COLUMN "channel" varchar(32) DEFAULT \'web\' NOT NULL -- takes ACCESS EXCLUSIVE on "shop_order"');

    // predict_sql by path reads the same migration with its app: no second listing, the blobs are cached.
    fake.resetCounts();
    const sql = await runTool(tools, 'predict_sql', { path: 'shop.0043_order_channel' });
    expect(fake.counts().requests).toBe(0);
    expect(sql).toContain('-- postgresql 16: 1 of 1 operations predicted');
    expect(sql).toContain('-- lock: ACCESS EXCLUSIVE on shop_order, rewrite: no, scan: no');
    expect(await runTool(tools, 'predict_sql', { path: 'shop.0099_nope' })).toBe('No migration "shop.0099_nope" in acme/shop; use list_migrations for the names.');

    const graph = await runTool(tools, 'app_graph', { app: 'shop' });
    expect(graph).toContain('`shop.0043_order_channel`');
    expect(graph).toContain('No conflicts');
  });

  it('turns bad input and unreadable paths into errors the model can read', async () => {
    const tools = createRepoTools({ github, scope, settings });
    await expect(runTool(tools, 'analyze_migrations', { paths: 'x' })).rejects.toThrow(/Bad input for analyze_migrations/);
    await expect(runTool(tools, 'read_file', { path: '../etc/passwd' })).rejects.toThrow(/not a file path/);
    // The tool loop shows the model an AppError's userMessage.
    await expect(runTool(tools, 'read_file', { path: 'nope/missing.py' })).rejects.toMatchObject({ userMessage: expect.stringContaining("can't see nope/missing.py") });
    expect(await runTool(tools, 'app_graph', { app: 'billing' })).toBe('No app "billing" with migrations in acme/shop. Apps: shop.');
  });
});

describe('linked repository grounder', () => {
  it('reads the migrations a pasted error names and offers the tools', async () => {
    const grounder = createLinkedRepoGrounder({ github, linkFor: async () => ({ repo: 'acme/shop', branch: 'main', path: null }), settingsFor: async () => settings });
    const grounding = (await grounder.ground(question('django.db.utils.ProgrammingError while applying shop.0042_step_42, why?'), groundContext)) as Grounding;
    expect(grounding.contextForModel).toContain('linked to the GitHub repository acme/shop@main');
    expect(grounding.contextForModel).toContain('shop/migrations/0042_step_42.py in acme/shop@main');
    expect(grounding.tools!.map((tool) => tool.definition.name)).toEqual(['list_migrations', 'read_file', 'analyze_migrations', 'app_graph', 'predict_sql']);
    expect(statuses).toEqual(['Reading shop/0042_step_42 from acme/shop@main…']);
    expect(await grounder.ground(question('hello', { channel: 'C2' }), groundContext)).toBeDefined();
  });

  it('says so, without reading anything, when the linked repository is no longer allowed', async () => {
    const grounder = createLinkedRepoGrounder({ github, linkFor: async () => ({ repo: 'acme/private', branch: null, path: null }), settingsFor: async () => settings });
    const grounding = (await grounder.ground(question('why does 0042_step_42 fail?'), groundContext)) as Grounding;
    expect(grounding.deterministicMarkdown).toContain('linked to acme/private');
    expect(grounding.deterministicMarkdown).toContain('GITHUB_ALLOWED_REPOS');
    expect(grounding.tools).toBeUndefined();
  });

  it('gives the playbook grounder the linked graph for showmigrations output', async () => {
    const graphFor = linkedGraphSource({ github, linkFor: async () => ({ repo: 'acme/shop', branch: null, path: null }) });
    const graph = await graphFor(question('shop\n [X] 0001_initial\n [ ] 0002_step_2'));
    expect(graph?.apps.shop).toEqual({ migrations: 42, leaves: ['shop.0042_step_42'] });
  });

  it('lists the linked tree once per question, shared by the playbook graph, the grounder and its tools', async () => {
    const linkFor = async (): Promise<LinkedRepo> => ({ repo: 'acme/shop', branch: 'main', path: null });
    const asked = question('shop\n [X] 0001_initial\n [ ] 0042_step_42');
    await linkedGraphSource({ github, linkFor })(asked);
    const afterGraph = fake.counts();
    const grounding = (await createLinkedRepoGrounder({ github, linkFor, settingsFor: async () => settings }).ground(asked, groundContext)) as Grounding;
    expect(await runTool(grounding.tools!, 'app_graph', { app: 'shop' })).toContain('shop.0042_step_42');
    // The migration the text names was read for the graph already: no request at all after it.
    expect(fake.counts().requests).toBe(afterGraph.requests);
    // A new question lists the tree again (the branch may have moved).
    await linkedGraphSource({ github, linkFor })(question('shop\n [X] 0001_initial'));
    expect(fake.counts().requests).toBeGreaterThan(afterGraph.requests);
  });
});
