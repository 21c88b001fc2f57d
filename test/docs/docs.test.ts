/**
 * The documentation stays navigable and true: every relative link in README.md and docs/ leads to a
 * file (and heading) that exists, and the reference pages name every environment variable, CLI
 * command and benchmark script the code has.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { CONFIG_VARIABLES } from '../../src/config.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return name.endsWith('.md') ? [path] : [];
  });
}

const pages = [join(root, 'README.md'), ...markdownFiles(join(root, 'docs'))];

/** The text outside fenced code blocks, where links are links. */
function prose(text: string): string {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

/** Heading anchors as GitHub makes them: lower case, punctuation dropped, spaces to dashes, repeats numbered. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const match of prose(text).matchAll(/^#{1,6} (.+)$/gm)) {
    const base = match[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    out.add(count === 0 ? base : `${base}-${count}`);
  }
  return out;
}

function relativeLinks(text: string): string[] {
  const links = [...prose(text).matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!);
  return links.filter((link) => !/^[a-z][a-z0-9+.-]*:/i.test(link));
}

function read(path: string): string {
  return readFileSync(path, 'utf8');
}

describe('docs', () => {
  it('finds the pages it checks', () => {
    const names = pages.map((page) => relative(root, page));
    expect(names).toEqual(expect.arrayContaining(['README.md', 'docs/cli.md', 'docs/configuration.md', 'docs/slack-setup.md', 'docs/deployment.md', 'docs/benchmarks.md', 'docs/rules/README.md']));
  });

  it('every relative link leads to a file, and every #anchor to a heading on that page', () => {
    const broken: string[] = [];
    for (const page of pages) {
      for (const link of relativeLinks(read(page))) {
        const [target = '', anchor] = link.split('#');
        const file = target === '' ? page : resolve(dirname(page), decodeURI(target));
        const where = `${relative(root, page)}: ${link}`;
        if (!existsSync(file)) {
          broken.push(`${where} (no such file)`);
          continue;
        }
        if (anchor && file.endsWith('.md') && !anchors(read(file)).has(anchor)) broken.push(`${where} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('the link checker catches a missing file and a missing heading', () => {
    expect(relativeLinks('[a](docs/x.md) [b](https://example.com) [c](#top)\n```\n[d](in-code.md)\n```\n')).toEqual(['docs/x.md', '#top']);
    expect(anchors('# The CLI: `migrate-help`\n## `check <path…>`\n## Logs\n## Logs\n')).toEqual(new Set(['the-cli-migrate-help', 'check-path', 'logs', 'logs-1']));
  });

  it('README.md starts with what it is and gives the two commands', () => {
    const readme = read(join(root, 'README.md'));
    expect(readme).toContain('npm ci && npm test');
    expect(readme).toContain('npm run console');
    expect(readme).not.toContain('docs/rules.md');
  });

  it('docs/configuration.md names every environment variable the bot reads', () => {
    const page = read(join(root, 'docs/configuration.md'));
    const missing = CONFIG_VARIABLES.filter((name) => !page.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('docs/cli.md has a section for every CLI command', async () => {
    let help = '';
    const io = { cwd: root, env: {}, stdout: (text: string) => (help += text), stderr: (text: string) => (help += text), stdoutIsTTY: false, stdinIsTTY: true, readStdin: async () => '' };
    await runCli(['--help'], io);
    const commands = [...help.split('Commands:')[1]!.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((match) => match[1]!).filter((name) => name !== 'help');
    expect(commands.length).toBeGreaterThan(0);
    const headings = [...read(join(root, 'docs/cli.md')).matchAll(/^## `([a-z-]+)/gm)].map((match) => match[1]);
    expect(commands.filter((name) => !headings.includes(name))).toEqual([]);
  });

  it('docs/benchmarks.md describes every bench:* script', () => {
    const scripts = Object.keys((JSON.parse(read(join(root, 'package.json'))) as { scripts: Record<string, string> }).scripts).filter((name) => name.startsWith('bench:'));
    expect(scripts.length).toBeGreaterThan(0);
    const page = read(join(root, 'docs/benchmarks.md'));
    expect(scripts.filter((name) => !page.includes(`## \`${name}\``))).toEqual([]);
  });
});
