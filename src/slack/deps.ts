/**
 * What the Slack listeners need, built once by createSlackApp from what main.ts passes in.
 */
import type { Logger } from 'pino';
import type { AnswerService } from '../pipeline/types.js';
import type { EventLedger } from './dedupe.js';
import type { StreamingAvailability } from './stream-sink.js';

export interface BotIdentity {
  botUserId: string;
  botId: string;
  teamId: string;
}

export interface SinkSettings {
  /** Characters the chat stream helper buffers before each Slack call. */
  bufferSize?: number;
  /** Minimum gap between two chat.update calls of the fallback. */
  updateIntervalMs?: number;
}

export interface SlackDeps {
  answers: AnswerService;
  logger: Logger;
  events: EventLedger;
  streaming: StreamingAvailability;
  identity: BotIdentity;
  /** The slash command as registered in the manifest. */
  commandName: string;
  sink: SinkSettings;
  /** Resolves when the receiver has acknowledged what is arriving (see ack-gate.ts). */
  ackFirst(): Promise<void>;
  /** Keeps a running answer known to the app, so shutdown can wait for it. */
  track<T>(work: Promise<T>): Promise<T>;
}
