/**
 * The shape of a `/migrate-help` subcommand, shared by the general list and the channel ones.
 */
import type { RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { BotUser, SlackDeps } from '../../deps.js';
import type { SubcommandHelp } from '../../render/messages.js';

export interface SubcommandContext {
  deps: SlackDeps;
  client: WebClient;
  respond: RespondFn;
  /** Words after the subcommand name. */
  args: string;
  userId: string;
  channelId: string;
  teamId: string;
  triggerId: string;
  /** When the command arrived (for the latency in the log line). */
  receivedAt: number;
  /** The workspace's bot user (per installation in OAuth mode). */
  bot: BotUser;
  log: Logger;
}

export interface Subcommand extends SubcommandHelp {
  name: string;
  /** Runs after the command was acknowledged. */
  run(context: SubcommandContext): Promise<void>;
}
