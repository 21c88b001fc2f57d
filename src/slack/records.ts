/**
 * What the Slack edge keeps per workspace, as it needs it. The store's FeedbackStore, QuestionLog,
 * InstallationRecords, AssistantContexts and Workspaces satisfy these (main.ts passes the store);
 * the Slack edge does not import src/store.
 */
export type FeedbackRating = 'helpful' | 'not_helpful';

/** Names one answer: the message its feedback buttons sit on. */
export interface AnswerRef {
  teamId: string;
  channelId: string;
  messageTs: string;
}

export interface FeedbackRecords {
  rate(feedback: AnswerRef & { userId: string; rating: FeedbackRating; at: string }): Promise<void>;
  comment(answer: AnswerRef, userId: string, comment: string): Promise<boolean>;
}

export interface QuestionEntry {
  teamId: string;
  channelId: string;
  threadTs: string;
  userId: string;
  excerpt: string;
  askedAt: string;
}

export interface QuestionRecords {
  record(question: QuestionEntry): Promise<void>;
  recent(teamId: string, limit: number): Promise<QuestionEntry[]>;
}

export interface InstallationEntry {
  key: string;
  teamId: string | null;
  enterpriseId: string | null;
  data: string;
  installedAt: string;
}

export interface InstallationEntries {
  save(record: InstallationEntry): Promise<void>;
  get(key: string): Promise<InstallationEntry | undefined>;
  remove(key: string): Promise<boolean>;
}

export interface ThreadContextEntry {
  channelId?: string;
  teamId?: string;
  enterpriseId?: string;
}

export interface ThreadContextRecords {
  get(teamId: string, channelId: string, threadTs: string): Promise<ThreadContextEntry | undefined>;
  save(teamId: string, channelId: string, threadTs: string, context: ThreadContextEntry): Promise<void>;
}

export interface SlackStore {
  feedback: FeedbackRecords;
  questions: QuestionRecords;
  installations: InstallationEntries;
  assistantContexts: ThreadContextRecords;
  workspaces: { purge(teamId: string): Promise<void> };
}
