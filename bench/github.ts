/**
 * `npm run bench:github`: REST calls and rate-limit units for reviewing a PR on a 1,000-migration
 * repository (20 apps × 50 migrations) in the fake GitHub server, with the real Octokit stack.
 * For k = 1, 3, 10 new migration files: a cold review (empty caches) and a warm one (same PR, nothing
 * changed), for both base-content modes. Targets: cold ≤ k + 3 calls (names-only base); warm 0 units.
 */
import { createGitHub, createMemoryCaches } from '../src/github/index.js';
import type { LoadReviewContextOptions } from '../src/github/types.js';
import { createFakeGitHub, djangoProjectFiles, migrationName, migrationSource } from '../test/fakes/github.js';

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

interface Row {
  k: number;
  mode: string;
  coldCalls: number;
  coldUnits: number;
  baseRead: number;
  warmCalls: number;
  warm304: number;
  warmUnits: number;
  ms: number;
}

const rows: Row[] = [];
const modes: Array<LoadReviewContextOptions['baseContents']> = ['none', 'touched-apps'];
let prNumber = 0;
for (const k of [1, 3, 10]) {
  prNumber += 1;
  openPullRequest(prNumber, k);
  for (const mode of modes) {
    const github = createGitHub({ token: TOKEN, baseUrl: fake.url, allowedRepos: ['acme/shop'], allowedOrgs: [], caches: createMemoryCaches() });
    const ref = { owner: 'acme', repo: 'shop', number: prNumber };
    fake.resetCounts();
    const started = performance.now();
    const cold = await github.loadReviewContext(ref, { baseContents: mode });
    const ms = performance.now() - started;
    const coldCounts = fake.counts();
    if (cold.headFiles.length !== k) throw new Error(`expected ${k} head files, got ${cold.headFiles.length}`);
    fake.resetCounts();
    await github.loadReviewContext(ref, { baseContents: mode });
    const warmCounts = fake.counts();
    rows.push({
      k,
      mode: mode ?? 'touched-apps',
      coldCalls: coldCounts.requests,
      coldUnits: coldCounts.units,
      baseRead: cold.baseFiles.length,
      warmCalls: warmCounts.requests,
      warm304: warmCounts.notModified,
      warmUnits: warmCounts.units,
      ms: Math.round(ms),
    });
  }
}

console.log(`GitHub review cost on a ${APPS * PER_APP}-migration repository (${APPS} apps × ${PER_APP}), fake GitHub, real Octokit + plugins`);
console.log('');
console.log('  k  base contents   cold calls  cold units  base files read  warm calls  warm 304s  warm units  cold ms  target');
let failed = false;
for (const row of rows) {
  const coldOk = row.mode !== 'none' || row.coldCalls <= row.k + 3;
  const warmOk = row.warmUnits === 0;
  if (!coldOk || !warmOk) failed = true;
  const target = row.mode === 'none' ? `cold ≤ ${row.k + 3}: ${coldOk ? 'ok' : 'MISSED'}; warm 0: ${warmOk ? 'ok' : 'MISSED'}` : `warm 0: ${warmOk ? 'ok' : 'MISSED'}`;
  console.log(
    `${String(row.k).padStart(3)}  ${row.mode.padEnd(14)}  ${String(row.coldCalls).padStart(10)}  ${String(row.coldUnits).padStart(10)}  ${String(row.baseRead).padStart(15)}  ${String(row.warmCalls).padStart(10)}  ${String(row.warm304).padStart(9)}  ${String(row.warmUnits).padStart(10)}  ${String(row.ms).padStart(7)}  ${target}`,
  );
}
// Steady state: a bot that already reviewed one PR on these apps reviews a new PR (same base) with its caches.
{
  const github = createGitHub({ token: TOKEN, baseUrl: fake.url, allowedRepos: ['acme/shop'], allowedOrgs: [], caches: createMemoryCaches() });
  await github.loadReviewContext({ owner: 'acme', repo: 'shop', number: 2 }, { baseContents: 'touched-apps' });
  prNumber += 1;
  openPullRequest(prNumber, 3);
  fake.resetCounts();
  await github.loadReviewContext({ owner: 'acme', repo: 'shop', number: prNumber }, { baseContents: 'touched-apps' });
  const counts = fake.counts();
  console.log(`  3  touched-apps, next PR on the same apps with warm caches: ${counts.requests} calls, ${counts.units} units (${JSON.stringify(counts.byRoute)})`);
}
console.log('');
console.log('cold = empty caches; warm = the same PR again, nothing changed (PR and file list answer 304, tree and blobs are cache hits).');
console.log('touched-apps reads each base migration of the apps the PR touches once, ever: blobs are cached by sha.');
await fake.close();
if (failed) process.exitCode = 1;
