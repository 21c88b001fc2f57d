/**
 * What the bot keeps per workspace besides channel links: feedback on answers, recent questions, OAuth
 * installations, assistant thread contexts. The store implements these and the Slack edge uses them;
 * both import this neutral module, so neither edge imports the other.
 */
export type FeedbackRating = 'helpful' | 'not_helpful';

/** Names one answer: the Slack message its feedback buttons sit on. */
export interface AnswerRef {
  teamId: string;
  channelId: string;
  messageTs: string;
}

export interface AnswerFeedback extends AnswerRef {
  userId: string;
  rating: FeedbackRating;
  /** The optional follow-up a "not helpful" asks for. */
  comment: string | null;
  /** ISO time of the latest rating. */
  at: string;
}

export interface FeedbackStore {
  /** One rating per person per answer: rating again replaces the rating (and keeps any comment). */
  rate(feedback: Omit<AnswerFeedback, 'comment'>): Promise<void>;
  /** Adds the follow-up to that person's rating; false when they have not rated the answer. */
  comment(answer: AnswerRef, userId: string, comment: string): Promise<boolean>;
  forAnswer(answer: AnswerRef): Promise<AnswerFeedback[]>;
  /** Ratings in one workspace, by kind. */
  counts(teamId: string): Promise<Record<FeedbackRating, number>>;
}

/** A question as App Home lists it. */
export interface AskedQuestion {
  teamId: string;
  channelId: string;
  threadTs: string;
  userId: string;
  /** The start of the question (the log keeps a short excerpt only). */
  excerpt: string;
  askedAt: string;
}

export interface QuestionLog {
  /** Keeps only the newest questions per workspace. */
  record(question: AskedQuestion): Promise<void>;
  /** Newest first. */
  recent(teamId: string, limit: number): Promise<AskedQuestion[]>;
}

/** An OAuth installation as Slack's installer produced it, kept as JSON (it carries tokens). */
export interface InstallationRecord {
  /** `E:<enterprise id>` for an org-wide install, else `T:<team id>`. */
  key: string;
  teamId: string | null;
  enterpriseId: string | null;
  /** The installation object, JSON. */
  data: string;
  installedAt: string;
}

export interface InstallationRecords {
  save(record: InstallationRecord): Promise<void>;
  get(key: string): Promise<InstallationRecord | undefined>;
  /** True when one existed. */
  remove(key: string): Promise<boolean>;
}

/** What Slack says a user was looking at when they opened an assistant thread (their channel). */
export interface AssistantThreadContextRecord {
  channelId?: string;
  teamId?: string;
  enterpriseId?: string;
}

export interface AssistantContexts {
  get(teamId: string, channelId: string, threadTs: string): Promise<AssistantThreadContextRecord | undefined>;
  save(teamId: string, channelId: string, threadTs: string, context: AssistantThreadContextRecord): Promise<void>;
}

export interface Workspaces {
  /**
   * Single-token mode: records written before the store knew workspaces (team id '') become this
   * workspace's. Returns how many moved.
   */
  adoptUnscoped(teamId: string): Promise<number>;
  /** The app was uninstalled or its tokens revoked: forget everything this workspace stored. */
  purge(teamId: string): Promise<void>;
}
