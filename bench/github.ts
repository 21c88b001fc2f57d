/**
 * `npm run bench:github`: what reviewing a PR costs on a 1,000-migration repository (20 apps × 50
 * migrations) in the fake GitHub server, with the real Octokit stack (throttling and retry plugins).
 * For k = 1, 3, 10 new migration files: a cold review (empty caches) and a warm one (same PR, nothing
 * changed), in three ways: the bot's default (PR files + the touched apps' base history, read in
 * batched GraphQL queries), names-only base, and the REST-only fallback (GraphQL unavailable).
 * Targets (issue 4): cold ≤ k + 3 calls; warm 0 rate-limit units.
 */
import { createGitHub, createMemoryCaches, type CreateGitHubOptions } from '../src/github/index.js';
import type { LoadReviewContextOptions } from '../src/github/types.js';
import { createFakeGitHub, djangoProjectFiles, migrationName, migrationSource, type FakeCounts } from '../test/fakes/github.js';

const APPS = 20;
const PER_APP = 50;
const TOKEN = 'ghp_benchbenchbenchbenchbenchbench01';

const fake = await createFakeGitHub();
fake.addToken(TOKEN, '*');
fake.addRepo({ owner: 'acme', repo: 'shop', private: true });
fake.commit('acme', 'shop', 'main', djangoProjectFiles({ apps: APPS, perApp: PER_APP, labels: { app_01: 'billing' } }));

/** k new migrations spread over up to three apps, each on top of its app's latest migration. */
function openPullRequest(number: number, k: number): void {
  const files: Record<string, string> = {};
  const next = new Map<string, number>();
  for (let i = 0; i < k; i++) {
    const folder = `app_${String(i % 3).padStart(2, '0')}`;
    const label = folder === 'app_01' ? 'billing' : folder;
    const index = (next.get(folder) ?? PER_APP) + 1;
    next.set(folder, index);
    files[`project/${folder}/migrations/${migrationName(index)}.py`] = migrationSource({
      dependencies: [[label, migrationName(index - 1)]],
      operations: `        migrations.AddField(model_name='item', name='field_${number}_${i}', field=models.IntegerField(null=True)),`,
    });
  }
  files['project/app_00/views.py'] = `# PR ${number}\n`;
  fake.commit('acme', 'shop', `pr-${number}`, files, { from: 'main' });
  fake.addPullRequest('acme', 'shop', { number, base: 'main', head: `pr-${number}` });
}

interface Way {
  name: string;
  baseContents: LoadReviewContextOptions['baseContents'];
  graphql: boolean;
  /** The cold target applies (the bot's modes; the REST fallback is shown for comparison). */
  target: boolean;
}

const ways: Way[] = [
  { name: 'touched-apps (bot)', baseContents: 'touched-apps', graphql: true, target: true },
  { name: 'none', baseContents: 'none', graphql: true, target: true },
  { name: 'touched-apps, REST', baseContents: 'touched-apps', graphql: false, target: false },
];

interface Cost {
  rest: number;
  graphql: number;
  total: number;
  units: number;
}

function costOf(counts: FakeCounts): Cost {
  const graphql = counts.byRoute.graphql ?? 0;
  return { rest: counts.requests - graphql, graphql, total: counts.requests, units: counts.units };
}

function client(graphql: boolean) {
  const options: CreateGitHubOptions = { token: TOKEN, baseUrl: fake.url, allowedRepos: ['acme/shop'], allowedOrgs: [], caches: createMemoryCaches(), graphql: { enabled: graphql } };
  return createGitHub(options);
}

interface Row {
  k: number;
  way: Way;
  cold: Cost;
  baseRead: number;
  warm: Cost;
  ms: number;
}

const rows: Row[] = [];
let prNumber = 0;
for (const k of [1, 3, 10]) {
  prNumber += 1;
  openPullRequest(prNumber, k);
  for (const way of ways) {
    const github = client(way.graphql);
    const ref = { owner: 'acme', repo: 'shop', number: prNumber };
    fake.resetCounts();
    const started = performance.now();
    const cold = await github.loadReviewContext(ref, { baseContents: way.baseContents });
    const ms = performance.now() - started;
    const coldCounts = fake.counts();
    if (cold.headFiles.length !== k) throw new Error(`expected ${k} head files, got ${cold.headFiles.length}`);
    fake.resetCounts();
    await github.loadReviewContext(ref, { baseContents: way.baseContents });
    rows.push({ k, way, cold: costOf(coldCounts), baseRead: cold.baseFiles.length, warm: costOf(fake.counts()), ms: Math.round(ms) });
  }
}

const pad = (value: string | number, width: number) => String(value).padStart(width);
console.log(`GitHub review cost on a ${APPS * PER_APP}-migration repository (${APPS} apps × ${PER_APP}), fake GitHub, real Octokit + plugins`);
console.log('');
console.log('                               |------------------ cold ------------------|  |------- warm -------|');
console.log('  k  base contents             REST  GraphQL  calls  units  base files read  REST  GraphQL  units  cold ms  target');
let failed = false;
for (const row of rows) {
  const coldOk = row.cold.total <= row.k + 3;
  const warmOk = row.warm.units === 0;
  if ((row.way.target && !coldOk) || !warmOk) failed = true;
  const cold = row.way.target ? `cold ≤ ${row.k + 3}: ${coldOk ? 'ok' : 'MISSED'}; ` : `(fallback, cold ≤ ${row.k + 3}: ${coldOk ? 'yes' : 'no'}) `;
  console.log(
    `${pad(row.k, 3)}  ${row.way.name.padEnd(24)}  ${pad(row.cold.rest, 4)}  ${pad(row.cold.graphql, 7)}  ${pad(row.cold.total, 5)}  ${pad(row.cold.units, 5)}  ${pad(row.baseRead, 15)}  ${pad(row.warm.rest, 4)}  ${pad(row.warm.graphql, 7)}  ${pad(row.warm.units, 5)}  ${pad(row.ms, 7)}  ${cold}warm 0: ${warmOk ? 'ok' : 'MISSED'}`,
  );
}

// Steady state: a bot that already reviewed one PR on these apps reviews a new PR (same base) with its caches.
{
  const github = client(true);
  await github.loadReviewContext({ owner: 'acme', repo: 'shop', number: 2 });
  prNumber += 1;
  openPullRequest(prNumber, 3);
  fake.resetCounts();
  await github.loadReviewContext({ owner: 'acme', repo: 'shop', number: prNumber });
  const counts = fake.counts();
  console.log('');
  console.log(`  3  touched-apps (bot), next PR on the same apps with warm caches: ${counts.requests} calls, ${counts.units} units, ${counts.graphqlObjects} blobs read (${JSON.stringify(counts.byRoute)})`);
}

// How it scales with history: one app of 250 migrations, a PR adding one.
{
  fake.addRepo({ owner: 'acme', repo: 'big', private: true });
  fake.commit('acme', 'big', 'main', djangoProjectFiles({ apps: 1, perApp: 250 }));
  fake.commit('acme', 'big', 'pr', { [`project/app_00/migrations/${migrationName(251)}.py`]: migrationSource({ dependencies: [['app_00', migrationName(250)]] }) }, { from: 'main' });
  fake.addPullRequest('acme', 'big', { number: 1, base: 'main', head: 'pr' });
  const github = createGitHub({ token: TOKEN, baseUrl: fake.url, allowedRepos: ['acme/big'], allowedOrgs: [], caches: createMemoryCaches() });
  fake.resetCounts();
  const context = await github.loadReviewContext({ owner: 'acme', repo: 'big', number: 1 });
  const cost = costOf(fake.counts());
  console.log(`  1  touched-apps (bot), one app with 250 migrations: ${cost.total} calls (${cost.graphql} GraphQL), ${cost.units} units, ${context.baseFiles.length} base files read`);
}
console.log('');
console.log('cold = empty caches; warm = the same PR again, nothing changed (PR and file list answer 304, tree and blobs are cache hits).');
console.log('GraphQL: one query per 100 uncached blobs (PR files + touched apps\' base history + apps.py that fit), one rate-limit point each.');
console.log('REST: one call per blob, as when the server has no GraphQL API; blobs are cached by sha either way, so each is read once, ever.');
await fake.close();
if (failed) process.exitCode = 1;
