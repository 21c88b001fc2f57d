import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, DEFAULT_MODEL, formatConfigError, loadConfig, secretValues } from '../src/config.js';

const HTTP_MODE = { SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_SIGNING_SECRET: 'f00dfeedf00dfeedf00dfeed' };

function problemsOf(env: Record<string, string | undefined>, options?: { requireSlack?: boolean }): string[] {
  try {
    loadConfig(env, options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the defaults in HTTP mode', () => {
    const config = loadConfig(HTTP_MODE);
    expect(config.slack).toEqual({ botToken: 'xoxb-1-2-abc', signingSecret: 'f00dfeedf00dfeedf00dfeed', appToken: undefined, socketMode: false, port: 3000, apiUrl: undefined, adminUserIds: [], incidentChannelPatterns: ['inc-*', 'incident-*'] });
    expect(config.anthropic).toEqual({ apiKey: undefined, baseURL: undefined, model: DEFAULT_MODEL, maxConcurrent: 4 });
    expect(config.logLevel).toBe('info');
    expect(config.dataDir).toBe('./data');
    expect(config.engine).toEqual({ database: 'postgresql', databaseVersion: undefined });
    expect(config.github).toEqual({ token: undefined, appId: undefined, privateKey: undefined, apiUrl: undefined, allowedRepos: [], allowedOrgs: [] });
  });

  it('selects OAuth installs with a client id, and says what else that needs', () => {
    const oauth = loadConfig({ SLACK_SIGNING_SECRET: 'f00dfeedf00dfeedf00dfeed', SLACK_CLIENT_ID: '123.456', SLACK_CLIENT_SECRET: 'client-secret-value', SLACK_STATE_SECRET: 'a-long-state-secret-value', INCIDENT_CHANNEL_PATTERNS: 'sev1-*, inc-*' });
    expect(oauth.slack.oauth).toMatchObject({ clientId: '123.456', clientSecret: 'client-secret-value', stateSecret: 'a-long-state-secret-value', scopes: expect.arrayContaining(['chat:write', 'channels:read']) });
    expect(oauth.slack.botToken).toBeUndefined();
    expect(oauth.slack.incidentChannelPatterns).toEqual(['sev1-*', 'inc-*']);
    expect(secretValues(oauth)).toEqual(expect.arrayContaining(['client-secret-value', 'a-long-state-secret-value']));
    expect(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_SIGNING_SECRET: 'x'.repeat(20), SLACK_CLIENT_ID: '123.456', SLACK_APP_TOKEN: 'xapp-1' })).toThrowError(
      expect.objectContaining({
        problems: expect.arrayContaining([
          expect.stringMatching(/^SLACK_BOT_TOKEN must be empty when SLACK_CLIENT_ID is set/),
          expect.stringMatching(/^SLACK_CLIENT_SECRET is required/),
          expect.stringMatching(/^SLACK_STATE_SECRET is required/),
          expect.stringMatching(/^SLACK_APP_TOKEN must be empty/),
        ]),
      }),
    );
  });

  it('defaults to an Opus model id that the installed SDK lists', () => {
    const sdkTypes = readFileSync(new URL('../node_modules/@anthropic-ai/sdk/resources/messages/messages.d.ts', import.meta.url), 'utf8');
    expect(DEFAULT_MODEL).toMatch(/^claude-opus-/);
    expect(sdkTypes).toContain(`'${DEFAULT_MODEL}'`);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-1-2-abc',
      SLACK_APP_TOKEN: 'xapp-1-A0-xyz',
      PORT: '8080',
      SLACK_API_URL: 'http://127.0.0.1:4000/api/',
      SLACK_ADMIN_USER_IDS: 'U012AB3CD, W0456EF7G',
      ANTHROPIC_API_KEY: 'sk-ant-api03-abc',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:5000',
      ANTHROPIC_MODEL: 'claude-sonnet-5-5',
      LLM_MAX_CONCURRENT: '8',
      LOG_LEVEL: 'DEBUG',
      GITHUB_TOKEN: 'ghp_abc',
      GITHUB_APP_ID: '12345',
      GITHUB_APP_PRIVATE_KEY: '-----BEGIN RSA PRIVATE KEY-----\\nMIIabc\\n-----END RSA PRIVATE KEY-----',
      GITHUB_API_URL: 'https://github.example.com/api/v3',
      GITHUB_ALLOWED_REPOS: 'acme/api,acme/web.site',
      GITHUB_ALLOWED_ORGS: 'acme',
      DATA_DIR: '/var/lib/migrate-help',
      MIGRATE_HELP_DATABASE: 'MySQL',
      MIGRATE_HELP_DB_VERSION: '8.0',
    });
    expect(config.slack).toMatchObject({ appToken: 'xapp-1-A0-xyz', socketMode: true, port: 8080, apiUrl: 'http://127.0.0.1:4000/api/', adminUserIds: ['U012AB3CD', 'W0456EF7G'] });
    expect(config.anthropic).toEqual({ apiKey: 'sk-ant-api03-abc', baseURL: 'http://127.0.0.1:5000', model: 'claude-sonnet-5-5', maxConcurrent: 8 });
    expect(config.logLevel).toBe('debug');
    expect(config.github).toEqual({
      token: 'ghp_abc',
      appId: 12345,
      privateKey: '-----BEGIN RSA PRIVATE KEY-----\nMIIabc\n-----END RSA PRIVATE KEY-----',
      apiUrl: 'https://github.example.com/api/v3',
      allowedRepos: ['acme/api', 'acme/web.site'],
      allowedOrgs: ['acme'],
    });
    expect(config.dataDir).toBe('/var/lib/migrate-help');
    expect(config.engine).toEqual({ database: 'mysql', databaseVersion: '8.0' });
  });

  it('treats empty variables as unset', () => {
    const empty = Object.fromEntries(CONFIG_VARIABLES.map((name) => [name, '']));
    const config = loadConfig({ ...empty, ...HTTP_MODE, PORT: '', LOG_LEVEL: '  ', ANTHROPIC_API_KEY: '' });
    expect(config.slack.port).toBe(3000);
    expect(config.logLevel).toBe('info');
    expect(config.anthropic.apiKey).toBeUndefined();
    expect(config.slack.socketMode).toBe(false);
    // An empty SLACK_APP_TOKEN does not switch to Socket Mode, so the signing secret is required.
    expect(problemsOf({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: '', SLACK_SIGNING_SECRET: '' })).toEqual([
      'SLACK_SIGNING_SECRET is required in HTTP mode (no SLACK_APP_TOKEN set): copy it from Basic Information → App Credentials',
    ]);
  });

  it('lists every problem at once, one line each naming the variable and the fix', () => {
    const problems = problemsOf({
      SLACK_BOT_TOKEN: 'xoxp-user-token',
      SLACK_APP_TOKEN: 'not-an-app-token',
      PORT: '70000',
      SLACK_API_URL: 'ftp://x',
      SLACK_ADMIN_USER_IDS: 'U012AB3CD,alice',
      ANTHROPIC_BASE_URL: 'not a url',
      LLM_MAX_CONCURRENT: 'four',
      LOG_LEVEL: 'loud',
      GITHUB_APP_ID: 'abc',
      GITHUB_APP_PRIVATE_KEY: 'not a key',
      GITHUB_API_URL: 'github.com',
      GITHUB_ALLOWED_REPOS: 'acme/api,just-a-name',
      GITHUB_ALLOWED_ORGS: 'acme,bad/org',
      MIGRATE_HELP_DATABASE: 'mongodb',
      MIGRATE_HELP_DB_VERSION: 'latest',
    });
    const named = problems.map((line) => line.split(' ')[0]);
    expect(named.sort()).toEqual(
      [
        'SLACK_BOT_TOKEN',
        'SLACK_APP_TOKEN',
        'PORT',
        'SLACK_API_URL',
        'SLACK_ADMIN_USER_IDS',
        'ANTHROPIC_BASE_URL',
        'LLM_MAX_CONCURRENT',
        'LOG_LEVEL',
        'GITHUB_APP_ID',
        'GITHUB_APP_PRIVATE_KEY',
        'GITHUB_API_URL',
        'GITHUB_ALLOWED_REPOS',
        'GITHUB_ALLOWED_ORGS',
        'MIGRATE_HELP_DATABASE',
        'MIGRATE_HELP_DB_VERSION',
      ].sort(),
    );
    for (const line of problems) {
      expect(line).not.toContain('\n');
      expect(line).toMatch(/: \S/); // a fix follows the colon
    }
    expect(problems).toContain('PORT is "70000", not a port number: use a whole number between 1 and 65535, e.g. 3000');
    expect(problems.find((line) => line.startsWith('GITHUB_ALLOWED_REPOS'))).toContain('(just-a-name)');
    // Secrets are never echoed back.
    expect(problems.join('\n')).not.toContain('xoxp-user-token');
    expect(problems.join('\n')).not.toContain('not a key');
  });

  it('requires the Slack credentials for the bot only', () => {
    expect(problemsOf({})).toEqual([
      'SLACK_BOT_TOKEN is required: copy the Bot User OAuth Token (xoxb-…) from OAuth & Permissions in your Slack app settings',
      'SLACK_SIGNING_SECRET is required in HTTP mode (no SLACK_APP_TOKEN set): copy it from Basic Information → App Credentials',
    ]);
    // Socket Mode needs no signing secret; console mode and the CLI need no Slack at all.
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }).slack.socketMode).toBe(true);
    expect(loadConfig({}, { requireSlack: false }).slack.botToken).toBeUndefined();
  });

  it('needs both halves of a GitHub App', () => {
    expect(problemsOf({ ...HTTP_MODE, GITHUB_APP_ID: '1' })[0]).toMatch(/^GITHUB_APP_PRIVATE_KEY is required when GITHUB_APP_ID is set/);
    expect(problemsOf({ ...HTTP_MODE, GITHUB_APP_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----x' })[0]).toMatch(/^GITHUB_APP_ID is required when GITHUB_APP_PRIVATE_KEY is set/);
  });

  it('formats the error for the terminal without a stack trace', () => {
    const error = new ConfigError(['PORT is "x", not a port number: use a whole number']);
    const text = formatConfigError(error);
    expect(text.split('\n')).toEqual(['migrate-help cannot start: 1 configuration problem (set them in the environment or in .env; see .env.example).', '  PORT is "x", not a port number: use a whole number']);
    expect(text).not.toMatch(/\bat .*\(/);
  });

  it('collects secret values for the log scrubber', () => {
    const config = loadConfig({ ...HTTP_MODE, ANTHROPIC_API_KEY: 'sk-ant-api03-zzzzzzzz' }, { requireSlack: true });
    expect(secretValues(config)).toEqual(['xoxb-1-2-abc', 'f00dfeedf00dfeedf00dfeed', 'sk-ant-api03-zzzzzzzz']);
  });

  it('documents every variable in .env.example with a comment', () => {
    const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8').split('\n');
    for (const name of CONFIG_VARIABLES) {
      const index = example.findIndex((line) => line.startsWith(`${name}=`));
      expect(index, `${name} missing from .env.example`).toBeGreaterThan(0);
      // The variable sits in a commented block: a comment within the two lines above.
      expect(example.slice(Math.max(0, index - 2), index).some((line) => line.startsWith('#')), `${name} has no comment`).toBe(true);
    }
  });
});
