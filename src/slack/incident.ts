/**
 * Incident channels: questions asked where the channel's name matches INCIDENT_CHANNEL_PATTERNS
 * get a short answer first. Names come from `conversations.info` (scopes channels:read and
 * groups:read), cached per workspace; a channel whose name cannot be read is treated as ordinary.
 */
import type { WebClient } from '@slack/web-api';
import { LRUCache } from 'lru-cache';
import picomatch from 'picomatch';
import type { Logger } from 'pino';
import { slackErrorCode } from './errors.js';

const NAME_TTL_MS = 10 * 60_000;

export class IncidentChannels {
  private readonly matches: (name: string) => boolean;
  private readonly names = new LRUCache<string, { name: string | null }>({ max: 5_000, ttl: NAME_TTL_MS });

  constructor(
    readonly patterns: readonly string[],
    private readonly logger: Logger,
  ) {
    this.matches = patterns.length === 0 ? () => false : picomatch([...patterns], { nocase: true });
  }

  async isIncident(client: WebClient, teamId: string, channelId: string): Promise<boolean> {
    // DMs and group DMs are never incident channels.
    if (this.patterns.length === 0 || channelId.startsWith('D')) return false;
    const name = await this.nameOf(client, teamId, channelId);
    return name !== null && this.matches(name);
  }

  private async nameOf(client: WebClient, teamId: string, channelId: string): Promise<string | null> {
    const key = `${teamId}:${channelId}`;
    const cached = this.names.get(key);
    if (cached !== undefined) return cached.name;
    let name: string | null = null;
    try {
      const result = await client.conversations.info({ channel: channelId });
      name = result.channel?.name ?? null;
    } catch (error) {
      this.logger.warn({ slackError: slackErrorCode(error), channel: channelId }, 'could not read the channel name (channels:read / groups:read); answering in full');
    }
    this.names.set(key, { name });
    return name;
  }
}
