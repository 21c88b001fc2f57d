/**
 * The table rows both SQL stores read (SQLite and PostgreSQL share the schema's column names), and how each
 * becomes the record the rest of the bot sees.
 */
import type { ChannelLink } from './types.js';
import type { AnswerFeedback, AskedQuestion, FeedbackRating, InstallationRecord } from '../workspace-records.js';

export interface LinkRow {
  channel_id: string;
  repo: string;
  branch: string | null;
  path: string | null;
  database: string | null;
  database_version: string | null;
  linked_by: string;
  linked_at: string;
}

export function rowToLink(row: LinkRow): ChannelLink {
  return {
    channelId: row.channel_id,
    repo: row.repo,
    branch: row.branch,
    path: row.path,
    database: row.database,
    databaseVersion: row.database_version,
    linkedBy: row.linked_by,
    linkedAt: row.linked_at,
  };
}

export interface FeedbackRow {
  team_id: string;
  channel_id: string;
  message_ts: string;
  user_id: string;
  rating: FeedbackRating;
  comment: string | null;
  at: string;
}

export function rowToFeedback(row: FeedbackRow): AnswerFeedback {
  return { teamId: row.team_id, channelId: row.channel_id, messageTs: row.message_ts, userId: row.user_id, rating: row.rating, comment: row.comment, at: row.at };
}

export interface QuestionRow {
  team_id: string;
  channel_id: string;
  thread_ts: string;
  user_id: string;
  excerpt: string;
  asked_at: string;
}

export function rowToQuestion(row: QuestionRow): AskedQuestion {
  return { teamId: row.team_id, channelId: row.channel_id, threadTs: row.thread_ts, userId: row.user_id, excerpt: row.excerpt, askedAt: row.asked_at };
}

export interface InstallationRow {
  key: string;
  team_id: string | null;
  enterprise_id: string | null;
  data: string;
  installed_at: string;
}

export function rowToInstallation(row: InstallationRow): InstallationRecord {
  return { key: row.key, teamId: row.team_id, enterpriseId: row.enterprise_id, data: row.data, installedAt: row.installed_at };
}
