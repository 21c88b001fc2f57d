/**
 * Files shared with a question (uploads on a mention or DM): text files are downloaded from
 * `url_private_download` with the bot token (scope files:read) and passed on as `question.files`;
 * anything else is skipped with a sentence saying why. The token only ever goes to Slack's file
 * host (or the configured SLACK_API_URL host), never to a URL an event merely names.
 */
import type { SharedFile } from '../pipeline/types.js';

/** The fields of Slack's file object we read. */
export interface SlackFile {
  id?: string;
  name?: string;
  title?: string;
  mimetype?: string;
  filetype?: string;
  size?: number;
  mode?: string;
  url_private?: string;
  url_private_download?: string;
}

export interface DownloadOptions {
  token: string | undefined;
  /** Hosts the token may be sent to. */
  hosts: readonly string[];
  /** Largest file downloaded (bytes); default MAX_SHARED_FILE_BYTES. Logs are read from their end by the playbooks anyway. */
  maxBytes?: number;
  /** At most this many files per question. */
  maxFiles?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface DownloadedFiles {
  files: SharedFile[];
  skipped: Array<{ name: string; note: string }>;
}

export const MAX_SHARED_FILE_BYTES = 1024 * 1024;
const TEXT_EXTENSIONS = /\.(py|pyi|txt|log|sql|diff|patch|md|rst|cfg|ini|toml|ya?ml|json|csv|out|err)$/i;
const TEXT_FILETYPES = new Set(['python', 'text', 'sql', 'diff', 'patch', 'markdown', 'log', 'yaml', 'json', 'csv', 'shell', 'ini', 'toml', 'post']);

function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

function looksLikeText(file: SlackFile, name: string): boolean {
  if (TEXT_EXTENSIONS.test(name)) return true;
  if (file.filetype !== undefined && TEXT_FILETYPES.has(file.filetype)) return true;
  return file.mimetype !== undefined && (file.mimetype.startsWith('text/') || file.mimetype === 'application/x-python' || file.mimetype === 'application/json');
}

function allowedUrl(raw: string | undefined, hosts: readonly string[]): URL | undefined {
  if (raw === undefined) return undefined;
  try {
    const url = new URL(raw);
    const local = url.hostname === '127.0.0.1' || url.hostname === 'localhost';
    // Plain http only for a loopback SLACK_API_URL (tests, a local proxy).
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) return undefined;
    return hosts.includes(url.host) ? url : undefined;
  } catch {
    return undefined;
  }
}

export async function downloadSharedFiles(files: readonly SlackFile[] | undefined, options: DownloadOptions): Promise<DownloadedFiles> {
  const result: DownloadedFiles = { files: [], skipped: [] };
  const maxBytes = options.maxBytes ?? MAX_SHARED_FILE_BYTES;
  const maxFiles = options.maxFiles ?? 5;
  const doFetch = options.fetch ?? globalThis.fetch;
  for (const [index, file] of (files ?? []).entries()) {
    const name = file.name ?? file.title ?? `file ${index + 1}`;
    const skip = (note: string) => void result.skipped.push({ name, note });
    if (result.files.length >= maxFiles) {
      skip(`\`${name}\` was not read: I read up to ${maxFiles} shared files per question.`);
      continue;
    }
    if (file.mode === 'tombstone' || file.mode === 'external') {
      skip(`\`${name}\` is not stored in Slack (deleted or external), so I could not read it.`);
      continue;
    }
    if (!looksLikeText(file, name)) {
      skip(`\`${name}\` is not a text file, so I did not read it; share migrations as \`.py\` files and errors as text.`);
      continue;
    }
    if (file.size !== undefined && file.size > maxBytes) {
      skip(`\`${name}\` is ${sizeText(file.size)}; I read shared files up to ${sizeText(maxBytes)}, so I did not read it. Share the part that matters.`);
      continue;
    }
    const url = allowedUrl(file.url_private_download ?? file.url_private, options.hosts);
    if (url === undefined || options.token === undefined) {
      skip(`\`${name}\` could not be downloaded from Slack (no download link I can use).`);
      continue;
    }
    try {
      const response = await doFetch(url, { headers: { authorization: `Bearer ${options.token}` }, signal: AbortSignal.timeout(options.timeoutMs ?? 15_000) });
      const type = response.headers.get('content-type') ?? '';
      // Without files:read Slack answers 200 with its HTML sign-in page instead of the file.
      if (!response.ok || (type.includes('text/html') && !/\.html?$/i.test(name))) {
        await response.body?.cancel();
        skip(`\`${name}\` could not be downloaded from Slack (${response.ok ? 'the app may lack the files:read scope' : `HTTP ${response.status}`}).`);
        continue;
      }
      const bytes = Buffer.from(await response.arrayBuffer());
      if (bytes.length > maxBytes) {
        skip(`\`${name}\` is ${sizeText(bytes.length)}; I read shared files up to ${sizeText(maxBytes)}, so I did not read it.`);
        continue;
      }
      if (bytes.includes(0)) {
        skip(`\`${name}\` is not a text file, so I did not read it.`);
        continue;
      }
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        skip(`\`${name}\` is not UTF-8 text, so I did not read it.`);
        continue;
      }
      result.files.push({ name, text });
    } catch {
      skip(`\`${name}\` could not be downloaded from Slack (the download failed or timed out).`);
    }
  }
  return result;
}
