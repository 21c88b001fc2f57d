/**
 * What the Slack edge keeps per workspace, as it needs it: the store satisfies this (main.ts passes it);
 * the shapes live in src/workspace-records.ts so the Slack edge does not import src/store.
 */
import type { AssistantContexts, FeedbackStore, InstallationRecords, QuestionLog, Workspaces } from '../workspace-records.js';

export type { AnswerRef, AskedQuestion, FeedbackRating } from '../workspace-records.js';

export interface SlackStore {
  feedback: Pick<FeedbackStore, 'rate' | 'comment'>;
  questions: QuestionLog;
  installations: InstallationRecords;
  assistantContexts: AssistantContexts;
  workspaces: Pick<Workspaces, 'purge'>;
}
