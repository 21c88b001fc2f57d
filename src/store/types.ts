/** What the bot keeps between restarts. Interfaces first so tests and deployments can swap storage. */

export interface ChannelLink {
  channelId: string;
  /** `owner/repo`, lower-cased for lookups but stored as typed. */
  repo: string;
  /** Branch to read; null = the repository's default branch. */
  branch: string | null;
  /** Folder inside the repo to look under; null = the whole repo. */
  path: string | null;
  /** Target database for this channel's engine runs (null = the bot's default). */
  database: string | null;
  databaseVersion: string | null;
  linkedBy: string;
  linkedAt: string;
}

export interface LinkStore {
  get(channelId: string): ChannelLink | undefined;
  set(link: ChannelLink): void;
  /** True when a link existed. */
  remove(channelId: string): boolean;
  list(): ChannelLink[];
}

/** Immutable content addressed by git blob sha. */
export interface BlobStore {
  get(sha: string): string | undefined;
  set(sha: string, text: string): void;
}

/** Bodies of conditional GET requests, keyed by request (method + URL), for ETag revalidation. */
export interface ConditionalStore {
  get(key: string): { etag: string; body: string } | undefined;
  set(key: string, etag: string, body: string): void;
}

/** Event ids already accepted, so Slack's redeliveries answer once. */
export interface EventLedger {
  /** True the first time an id is claimed within `ttlMs`; false for a duplicate. */
  claim(eventId: string, ttlMs: number): boolean;
}

export interface Store {
  links: LinkStore;
  blobs: BlobStore;
  conditional: ConditionalStore;
  events: EventLedger;
  close(): void;
}
