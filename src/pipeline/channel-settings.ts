/**
 * Per-channel settings: the linked repository and the target database/version the engine judges
 * against. One record per channel (the store's `links` table); a channel that set `db` without
 * linking a repository keeps a record whose `repo` is empty, so `unlink` never loses the database
 * choice and `db` works before (or without) a link.
 */
import { DEFAULT_VERSIONS, parseDatabase, parseVersion } from '../engine/index.js';
import type { Database, EngineSettings } from '../engine/index.js';

/** One channel's record: the same shape as the store's ChannelLink. */
export interface ChannelRecord {
  channelId: string;
  repo: string;
  branch: string | null;
  path: string | null;
  database: string | null;
  databaseVersion: string | null;
  linkedBy: string;
  linkedAt: string;
}

/** What channel settings need from storage (the store's LinkStore satisfies it). */
export interface ChannelRecordStore {
  get(channelId: string): Promise<ChannelRecord | undefined>;
  set(record: ChannelRecord): Promise<void>;
  remove(channelId: string): Promise<boolean>;
}

export interface ChannelLinkInfo {
  /** `owner/repo` as typed when linking. */
  repo: string;
  /** null = the repository's default branch. */
  branch: string | null;
  /** Folder inside the repository; null = the whole repository. */
  path: string | null;
  linkedBy: string;
  linkedAt: string;
}

export interface ChannelState {
  link: ChannelLinkInfo | null;
  database: Database;
  /** The version in effect (the vendor's default when none was set). */
  databaseVersion: string;
  /** `channel` when set with `db`, `default` when it comes from MIGRATE_HELP_DATABASE / the engine's default. */
  databaseSource: 'channel' | 'default';
}

export interface ChannelSettings {
  state(channelId: string | undefined): Promise<ChannelState>;
  /** Engine settings for questions asked in this channel (the bot's defaults outside channels). */
  engineSettings(channelId: string | undefined): Promise<EngineSettings>;
  link(channelId: string, link: { repo: string; branch: string | null; path: string | null }, userId: string): Promise<ChannelLinkInfo>;
  /** The link that was removed (database settings stay), or null when there was none. */
  unlink(channelId: string): Promise<ChannelLinkInfo | null>;
  /** Throws EngineSettingsError (a message for people) for an unknown database or unreadable version. */
  setDatabase(channelId: string, database: string, version: string | null, userId: string): Promise<ChannelState>;
}

export interface ChannelDefaults {
  database: Database;
  databaseVersion?: string;
}

export function createChannelSettings(store: ChannelRecordStore, defaults: ChannelDefaults, now: () => Date = () => new Date()): ChannelSettings {
  const linkOf = (record: ChannelRecord | undefined): ChannelLinkInfo | null =>
    record === undefined || record.repo === '' ? null : { repo: record.repo, branch: record.branch, path: record.path, linkedBy: record.linkedBy, linkedAt: record.linkedAt };

  const state = async (channelId: string | undefined): Promise<ChannelState> => {
    const record = channelId === undefined ? undefined : await store.get(channelId);
    if (record?.database) {
      const database = parseDatabaseOr(record.database, defaults.database);
      return { link: linkOf(record), database, databaseVersion: record.databaseVersion ?? DEFAULT_VERSIONS[database], databaseSource: 'channel' };
    }
    const version = defaults.databaseVersion ?? DEFAULT_VERSIONS[defaults.database];
    return { link: linkOf(record), database: defaults.database, databaseVersion: version, databaseSource: 'default' };
  };

  return {
    state,
    async engineSettings(channelId) {
      const current = await state(channelId);
      return { database: current.database, databaseVersion: current.databaseVersion };
    },
    async link(channelId, link, userId) {
      const previous = await store.get(channelId);
      const record: ChannelRecord = {
        channelId,
        repo: link.repo,
        branch: link.branch,
        path: link.path,
        database: previous?.database ?? null,
        databaseVersion: previous?.databaseVersion ?? null,
        linkedBy: userId,
        linkedAt: now().toISOString(),
      };
      await store.set(record);
      return linkOf(record)!;
    },
    async unlink(channelId) {
      const previous = await store.get(channelId);
      const link = linkOf(previous);
      if (previous === undefined || link === null) return null;
      if (previous.database === null) await store.remove(channelId);
      else await store.set({ ...previous, repo: '', branch: null, path: null });
      return link;
    },
    async setDatabase(channelId, databaseText, versionText, userId) {
      const database = parseDatabase(databaseText);
      let version: string | null = null;
      if (versionText !== null) {
        const [major, minor, patch] = parseVersion(versionText);
        // Keep what was typed, trimmed to the numeric parts the engine reads.
        version = /^\s*v?\d+\.\d+\.\d+/.test(versionText) ? `${major}.${minor}.${patch}` : /^\s*v?\d+\.\d+/.test(versionText) ? `${major}.${minor}` : String(major);
      }
      const previous = await store.get(channelId);
      await store.set({
        channelId,
        repo: previous?.repo ?? '',
        branch: previous?.branch ?? null,
        path: previous?.path ?? null,
        database,
        databaseVersion: version,
        linkedBy: previous?.linkedBy ?? userId,
        linkedAt: previous?.linkedAt ?? now().toISOString(),
      });
      return state(channelId);
    },
  };
}

function parseDatabaseOr(text: string, fallback: Database): Database {
  try {
    return parseDatabase(text);
  } catch {
    return fallback;
  }
}
