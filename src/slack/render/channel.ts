/**
 * Replies of the channel subcommands (link, unlink, status, db, review), as mrkdwn. Repository
 * names and paths come from users, so they are escaped.
 */
import type { ChannelStatus, LinkSummary } from '../deps.js';
import { escapeMrkdwn } from './messages.js';

const DATABASE_NAMES: Record<string, string> = { postgresql: 'PostgreSQL', mysql: 'MySQL', mariadb: 'MariaDB', sqlite: 'SQLite', oracle: 'Oracle' };

export function databaseLabel(database: string, version: string): string {
  return `${DATABASE_NAMES[database] ?? database} ${version}`;
}

function code(text: string): string {
  return `\`${escapeMrkdwn(text.replace(/`/g, "'"))}\``;
}

function where(link: { branch: string | null; path: string | null }): string {
  const branch = link.branch === null ? 'the default branch' : `branch ${code(link.branch)}`;
  return link.path === null ? branch : `${branch}, folder ${code(link.path)}`;
}

export function linkUsageText(command: string): string {
  return `Usage: \`${command} link owner/repo [branch] [path]\`, e.g. \`${command} link acme/api main backend\`. Branch defaults to the repository's default branch, path to the whole repository.`;
}

export function reviewUsageText(command: string): string {
  return `Usage: \`${command} review <pull request URL | owner/repo#123>\`, e.g. \`${command} review https://github.com/acme/api/pull/42\`.`;
}

export function dbUsageText(command: string, databases: readonly string[]): string {
  return `Usage: \`${command} db <${databases.join('|')}> [version]\`, e.g. \`${command} db postgresql 15\` or \`${command} db mysql 8.0.36\`. Without a version, the engine assumes a current release.`;
}

export function githubOffText(): string {
  return 'GitHub is not set up for migrate-help: ask whoever runs it to set `GITHUB_TOKEN` (or `GITHUB_APP_ID` and `GITHUB_APP_PRIVATE_KEY`) and list the repositories in `GITHUB_ALLOWED_REPOS` or `GITHUB_ALLOWED_ORGS`.';
}

export function notAdminText(admins: readonly string[]): string {
  return `Only the admins listed in \`SLACK_ADMIN_USER_IDS\` can change this channel's repository link or database. Ask one of them: ${admins.map((id) => `<@${id}>`).join(', ')}.`;
}

export function linkedText(userId: string, link: LinkSummary, command: string): string {
  const apps = `${link.migrations} migration${link.migrations === 1 ? '' : 's'} in ${link.apps} app${link.apps === 1 ? '' : 's'}`;
  return [
    `:link: <@${userId}> linked this channel to *${escapeMrkdwn(link.repo)}* (${where(link)}): ${apps} at commit ${code(link.commitSha.slice(0, 7))}.`,
    `Questions here can now read its migrations, and \`${command} review <PR>\` reviews its pull requests. Target database: ${databaseLabel(link.database, link.databaseVersion)} (\`${command} db …\` changes it).`,
  ].join('\n');
}

export function unlinkedText(userId: string, repo: string | null): string {
  return repo === null ? 'This channel is not linked to a repository.' : `<@${userId}> unlinked *${escapeMrkdwn(repo)}* from this channel. The target database setting stays.`;
}

export function databaseSetText(userId: string, database: string, version: string): string {
  return `<@${userId}> set this channel's target database to *${databaseLabel(database, version)}*: migration checks here now judge locks and rewrites for it.`;
}

function minutesAgo(iso: string, now: Date): string {
  const minutes = Math.max(0, Math.round((now.getTime() - new Date(iso).getTime()) / 60_000));
  return minutes === 0 ? 'just now' : `${minutes} min ago`;
}

function utcTime(iso: string): string {
  const date = new Date(iso);
  return `${String(date.getUTCHours()).padStart(2, '0')}:${String(date.getUTCMinutes()).padStart(2, '0')} UTC`;
}

export function statusText(status: ChannelStatus, command: string, now: Date = new Date()): string {
  const lines = ['*migrate-help in this channel*'];
  const link = status.link;
  lines.push(
    link === null
      ? `• Repository: none linked (\`${command} link owner/repo [branch] [path]\`).`
      : `• Repository: *${escapeMrkdwn(link.repo)}*, ${where(link)}; linked by <@${link.linkedBy}> on ${link.linkedAt.slice(0, 10)}.`,
  );
  lines.push(
    `• Target database: ${databaseLabel(status.database, status.databaseVersion)} (${status.databaseSource === 'channel' ? 'set for this channel' : `the bot's default; \`${command} db …\` sets one for this channel`}).`,
  );
  const github = status.github;
  if (github.mode === 'off') lines.push('• GitHub: not configured (`GITHUB_TOKEN` or a GitHub App), so repositories and pull requests cannot be read.');
  else {
    const auth = github.mode === 'app' ? 'GitHub App' : github.mode === 'token' ? 'GITHUB_TOKEN' : 'no credentials (public repositories only)';
    const budget =
      github.rateLimit === null
        ? 'rate limit not seen yet (no request made since start)'
        : `${github.rateLimit.remaining.toLocaleString('en-US')} of ${github.rateLimit.limit.toLocaleString('en-US')} requests left, resets ${utcTime(github.rateLimit.resetAt)} (seen ${minutesAgo(github.rateLimit.observedAt, now)})`;
    lines.push(`• GitHub: ${auth}; ${budget}.`);
    const repos = github.allowedRepos.length > 0 ? github.allowedRepos.map(escapeMrkdwn).join(', ') : 'none';
    const orgs = github.allowedOrgs.length > 0 ? github.allowedOrgs.map(escapeMrkdwn).join(', ') : 'none';
    lines.push(`• Allowed: \`GITHUB_ALLOWED_REPOS\` ${repos}; \`GITHUB_ALLOWED_ORGS\` ${orgs}.`);
  }
  lines.push(status.model === null ? '• Expert model: not configured (`ANTHROPIC_API_KEY` is not set): answers carry migrate-help’s own checks only.' : `• Expert model: ${escapeMrkdwn(status.model)}.`);
  return lines.join('\n');
}
