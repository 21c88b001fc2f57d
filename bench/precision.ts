/**
 * `npm run bench:precision -- [--mirrors DIR] [--repo owner/name=GITDIR …] [--baseline DIR] [--dump FILE]`
 *
 * Precision and recall of the engine on real repositories, against the hand labels in
 * bench/precision/labels.json. Each labelled repository is read as a bare git directory at the
 * labelled commit (no working tree, nothing copied into this repository), its migration files are
 * analysed for PostgreSQL, and:
 *
 * - precision at warning and above = labelled true alarms still reported / all labelled findings
 *   still reported (a labelled false alarm no longer reported, or reported as info, has been fixed);
 * - recall = must-catch risks with a warning-or-above finding of one of the accepted rules on the
 *   operation (as the finding itself or one of its related notes) / all must-catch risks.
 *
 * `--baseline DIR` also runs the engine of another checkout (e.g. a worktree of main) in the same
 * process and prints its figures side by side; without it the baseline recorded in the labels file
 * is shown. `--dump FILE` writes every warning-and-above finding as JSON (to label more of them).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as current from '../src/engine/index.js';
import type { Finding, SourceFile } from '../src/engine/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LABELS = join(root, 'bench/precision/labels.json');

interface RepoEntry {
  repo: string;
  commit: string;
  /** Folders (other than `migrations`) Django reads through MIGRATION_MODULES, mapped to their app label. */
  migrationModules?: Record<string, string>;
}

interface FindingLabel {
  repo: string;
  file: string;
  /** Operation locator: `<index>` at top level, `<path>.<index>` when nested, `-` for file-level findings. */
  op: string;
  rule: string;
  label: boolean;
  why: string;
}

interface MustCatch {
  repo: string;
  file: string;
  op: string;
  risk: string;
  /** Rule ids any of which, at warning or above, counts as catching the risk. */
  rules: string[];
  why: string;
}

interface Labels {
  repos: RepoEntry[];
  baseline: { note: string; precision: number; recall: number; reported: number; truePositives: number; caught: number; mustCatch: number };
  findings: FindingLabel[];
  mustCatch: MustCatch[];
}

interface Engine {
  analyzeSources: typeof current.analyzeSources;
  parseAppConfigLabel: typeof current.parseAppConfigLabel;
}

interface Options {
  mirrors?: string;
  repos: Map<string, string>;
  baseline?: string;
  dump?: string;
}

function usage(message: string): never {
  console.error(`${message}\nusage: npm run bench:precision -- [--mirrors DIR] [--repo owner/name=GITDIR …] [--baseline DIR] [--dump FILE]`);
  process.exit(2);
}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = { repos: new Map(), ...(process.env.MIGRATE_HELP_MIRRORS ? { mirrors: process.env.MIGRATE_HELP_MIRRORS } : {}) };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => argv[++i] ?? usage(`${arg} needs a value`);
    if (arg === '--mirrors') options.mirrors = resolve(value());
    else if (arg === '--repo') {
      const [name, dir] = value().split('=');
      if (!name || !dir) usage('--repo takes owner/name=GITDIR');
      options.repos.set(name, resolve(dir));
    } else if (arg === '--baseline') options.baseline = resolve(value());
    else if (arg === '--dump') options.dump = resolve(value());
    else usage(`unknown argument ${arg}`);
  }
  return options;
}

/** The bare git directory of a repository: an explicit --repo, else `<mirrors>/<owner>+<name>[/repo]`. */
function gitDirFor(repo: string, options: Options): string | undefined {
  const explicit = options.repos.get(repo);
  if (explicit) return explicit;
  if (!options.mirrors) return undefined;
  const base = join(options.mirrors, repo.replace('/', '+'));
  for (const candidate of [join(base, 'repo'), base]) if (existsSync(join(candidate, 'HEAD'))) return candidate;
  return undefined;
}

function hasCommit(gitDir: string, commit: string): boolean {
  return spawnSync('git', ['--git-dir', gitDir, 'cat-file', '-e', `${commit}^{commit}`]).status === 0;
}

function git(gitDir: string, args: string[]): string {
  return execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
}

/** Several blobs in one `git cat-file --batch` call. */
function readBlobs(gitDir: string, commit: string, paths: readonly string[]): Map<string, string> {
  const out = execFileSync('git', ['--git-dir', gitDir, 'cat-file', '--batch'], { input: paths.map((path) => `${commit}:${path}`).join('\n') + '\n', maxBuffer: 1 << 30 });
  const blobs = new Map<string, string>();
  let offset = 0;
  for (const path of paths) {
    const headerEnd = out.indexOf(10, offset);
    const header = out.subarray(offset, headerEnd).toString('utf8');
    const size = Number(header.split(' ')[2]);
    offset = headerEnd + 1;
    if (Number.isFinite(size) && !header.endsWith('missing')) {
      blobs.set(path, out.subarray(offset, offset + size).toString('utf8'));
      offset += size + 1;
    }
  }
  return blobs;
}

const MIGRATION_FILE = /^(.*\/)?([^/]+)\/([^/_.~][^/]*)\.py$/;

/** The migration files of a tree and their app labels, as Django finds them (apps.py labels, MIGRATION_MODULES folders). */
function migrationSources(gitDir: string, entry: RepoEntry, engine: Engine): SourceFile[] {
  const paths = git(gitDir, ['ls-tree', '-r', '--name-only', entry.commit]).split('\n');
  const modules = entry.migrationModules ?? {};
  const wanted = paths.filter((path) => {
    const match = MIGRATION_FILE.exec(path);
    if (!match) return false;
    const folder = `${match[1] ?? ''}${match[2]}`;
    return match[2] === 'migrations' || folder in modules;
  });
  const appsFiles = [...new Set(wanted.map((path) => path.replace(/\/[^/]+\/[^/]+$/, '/apps.py')))].filter((path) => paths.includes(path));
  const blobs = readBlobs(gitDir, entry.commit, [...wanted, ...appsFiles]);
  return wanted.flatMap((path) => {
    const text = blobs.get(path);
    if (text === undefined) return [];
    const folder = path.replace(/\/[^/]+$/, '');
    const apps = blobs.get(path.replace(/\/[^/]+\/[^/]+$/, '/apps.py'));
    const label = modules[folder] ?? (apps ? (engine.parseAppConfigLabel(apps) ?? undefined) : undefined);
    return [{ path, text, ...(label ? { appLabel: label } : {}) }];
  });
}

export function opLocator(finding: Pick<Finding, 'operation'>): string {
  const op = finding.operation;
  if (!op) return '-';
  return op.path.length > 0 ? `${op.path.join('.')}.${op.index}` : String(op.index);
}

const atLeastWarning = (finding: Finding): boolean => finding.severity === 'error' || finding.severity === 'warning';

interface Figures {
  reported: number;
  truePositives: number;
  precision: number;
  caught: number;
  mustCatch: number;
  recall: number;
  unlabelled: number;
  falseAlarms: FindingLabel[];
  missed: MustCatch[];
}

type FindingWithRelated = Finding & { related?: Array<{ ruleId: string; severity: string }> };

function score(labels: Labels, findingsByRepo: Map<string, FindingWithRelated[]>): Figures {
  const key = (repo: string, file: string, op: string, rule: string) => `${repo}\u0000${file}\u0000${op}\u0000${rule}`;
  const reported = new Set<string>();
  const caughtBy = new Set<string>();
  for (const [repo, findings] of findingsByRepo) {
    for (const finding of findings) {
      if (!atLeastWarning(finding)) continue;
      reported.add(key(repo, finding.path, opLocator(finding), finding.ruleId));
      caughtBy.add(key(repo, finding.path, opLocator(finding), finding.ruleId));
      for (const related of finding.related ?? []) caughtBy.add(key(repo, finding.path, opLocator(finding), related.ruleId));
    }
  }
  const labelled = new Set(labels.findings.map((label) => key(label.repo, label.file, label.op, label.rule)));
  const still = labels.findings.filter((label) => reported.has(key(label.repo, label.file, label.op, label.rule)));
  const truePositives = still.filter((label) => label.label).length;
  const missed = labels.mustCatch.filter((item) => !item.rules.some((rule) => caughtBy.has(key(item.repo, item.file, item.op, rule))));
  const caught = labels.mustCatch.length - missed.length;
  return {
    reported: still.length,
    truePositives,
    precision: still.length === 0 ? 1 : truePositives / still.length,
    caught,
    mustCatch: labels.mustCatch.length,
    recall: labels.mustCatch.length === 0 ? 1 : caught / labels.mustCatch.length,
    unlabelled: [...reported].filter((entry) => !labelled.has(entry)).length,
    falseAlarms: still.filter((label) => !label.label),
    missed,
  };
}

async function runEngine(engine: Engine, labels: Labels, options: Options): Promise<Map<string, FindingWithRelated[]>> {
  const byRepo = new Map<string, FindingWithRelated[]>();
  for (const entry of labels.repos) {
    const gitDir = gitDirFor(entry.repo, options)!;
    const sources = migrationSources(gitDir, entry, engine);
    const report = await engine.analyzeSources(sources, { database: 'postgresql' });
    byRepo.set(entry.repo, report.findings as FindingWithRelated[]);
  }
  return byRepo;
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

function printFigures(labels: Labels, now: Figures, baseline: Omit<Figures, 'falseAlarms' | 'missed' | 'unlabelled'> & { unlabelled?: number }, baselineSource: string): void {
  const rows: Array<[string, string, string]> = [
    ['precision (warning and above, labelled)', `${percent(baseline.precision)} (${baseline.truePositives}/${baseline.reported})`, `${percent(now.precision)} (${now.truePositives}/${now.reported})`],
    ['recall (must-catch risks)', `${percent(baseline.recall)} (${baseline.caught}/${baseline.mustCatch})`, `${percent(now.recall)} (${now.caught}/${now.mustCatch})`],
    ['unlabelled warning+ findings', baseline.unlabelled === undefined ? '-' : String(baseline.unlabelled), String(now.unlabelled)],
  ];
  console.log(`repositories: ${labels.repos.map((entry) => `${entry.repo}@${entry.commit.slice(0, 10)}`).join(', ')}`);
  console.log(`labels: ${labels.findings.length} findings (${labels.findings.filter((label) => label.label).length} true, ${labels.findings.filter((label) => !label.label).length} false), ${labels.mustCatch.length} must-catch risks`);
  console.log(`baseline: ${baselineSource}\n`);
  const width = Math.max(...rows.map((row) => row[0].length));
  console.log(`${'figure'.padEnd(width)}  ${'baseline'.padEnd(22)}  this tree`);
  for (const [name, before, after] of rows) console.log(`${name.padEnd(width)}  ${before.padEnd(22)}  ${after}`);
  if (now.falseAlarms.length > 0) {
    console.log('\nfalse alarms still reported:');
    for (const label of now.falseAlarms) console.log(`  ${label.rule}  ${label.repo} ${label.file} op ${label.op}: ${label.why}`);
  }
  if (now.missed.length > 0) {
    console.log('\nmust-catch risks missed:');
    for (const item of now.missed) console.log(`  ${item.repo} ${item.file} op ${item.op}: ${item.risk}`);
  }
}

/** Every warning-and-above finding, one line of JSON each, for labelling. */
function dumpFindings(path: string, byRepo: Map<string, FindingWithRelated[]>): void {
  const dump = [...byRepo].flatMap(([repo, findings]) =>
    findings.filter(atLeastWarning).map((finding) => ({ repo, file: finding.path, op: opLocator(finding), rule: finding.ruleId, severity: finding.severity, line: finding.line, message: finding.message, related: finding.related })),
  );
  writeFileSync(path, JSON.stringify(dump, null, 1));
  console.log(`wrote ${dump.length} findings to ${path}`);
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const labels = JSON.parse(readFileSync(LABELS, 'utf8')) as Labels;
  const absent = labels.repos.filter((entry) => {
    const dir = gitDirFor(entry.repo, options);
    return !dir || !hasCommit(dir, entry.commit);
  });
  if (absent.length > 0) {
    console.error('These labelled repositories are not available at their labelled commit:');
    for (const entry of absent) console.error(`  ${entry.repo} @ ${entry.commit}`);
    console.error('\nGive their bare git directories, either all under one folder as <owner>+<name>[/repo]');
    console.error('(MIGRATE_HELP_MIRRORS=DIR or --mirrors DIR) or one by one (--repo owner/name=GITDIR). To get one:');
    console.error('  git clone --bare https://github.com/<owner>/<name> DIR/<owner>+<name> && git --git-dir DIR/<owner>+<name> fetch origin <commit>');
    process.exit(2);
  }
  const nowFindings = await runEngine(current, labels, options);
  const now = score(labels, nowFindings);
  if (options.dump) dumpFindings(options.dump, nowFindings);
  if (options.baseline) {
    const baselineEngine = (await import(pathToFileURL(join(options.baseline, 'src/engine/index.ts')).href)) as Engine;
    const baselineFindings = await runEngine(baselineEngine, labels, options);
    if (options.dump) dumpFindings(options.dump.replace(/(\.json)?$/, '.baseline.json'), baselineFindings);
    const before = score(labels, baselineFindings);
    printFigures(labels, now, before, `engine of ${options.baseline}, run now`);
  } else {
    printFigures(labels, now, labels.baseline, labels.baseline.note);
  }
}

await main();
