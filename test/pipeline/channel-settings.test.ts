import { describe, expect, it } from 'vitest';
import { createChannelSettings } from '../../src/pipeline/channel-settings.js';
import { createMemoryStore } from '../../src/store/memory.js';

describe('channel settings', () => {
  const now = () => new Date('2025-05-01T10:00:00Z');

  it('keeps the database choice across link and unlink, and falls back to the defaults', () => {
    const store = createMemoryStore();
    const settings = createChannelSettings(store.links.forTeam('T1'), { database: 'postgresql' }, now);
    expect(settings.state('C1')).toEqual({ link: null, database: 'postgresql', databaseVersion: '16', databaseSource: 'default' });

    settings.setDatabase('C1', 'MySQL', '8.0.36-log', 'U1');
    expect(settings.engineSettings('C1')).toEqual({ database: 'mysql', databaseVersion: '8.0.36' });
    expect(settings.state('C1').link).toBeNull();

    settings.link('C1', { repo: 'acme/shop', branch: 'main', path: null }, 'U2');
    expect(settings.state('C1')).toMatchObject({ link: { repo: 'acme/shop', branch: 'main', path: null, linkedBy: 'U2', linkedAt: '2025-05-01T10:00:00.000Z' }, database: 'mysql' });

    expect(settings.unlink('C1')).toMatchObject({ repo: 'acme/shop' });
    expect(settings.state('C1')).toEqual({ link: null, database: 'mysql', databaseVersion: '8.0.36', databaseSource: 'channel' });
    expect(settings.unlink('C1')).toBeNull();
    // Questions outside a channel (the console) get the defaults.
    expect(settings.engineSettings(undefined)).toEqual({ database: 'postgresql', databaseVersion: '16' });
  });

  it('removes the record on unlink when no database was set, and rejects unknown databases', () => {
    const store = createMemoryStore();
    const settings = createChannelSettings(store.links.forTeam('T1'), { database: 'sqlite', databaseVersion: '3.40' }, now);
    settings.link('C2', { repo: 'acme/shop', branch: null, path: 'backend' }, 'U1');
    settings.unlink('C2');
    expect(store.links.forTeam('T1').list()).toEqual([]);
    expect(() => settings.setDatabase('C2', 'cassandra', null, 'U1')).toThrow(/Unknown database "cassandra"/);
    expect(() => settings.setDatabase('C2', 'postgresql', 'latest', 'U1')).toThrow(/Cannot read database version/);
    expect(settings.state('C2').databaseVersion).toBe('3.40');
  });
});
