import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, scrubSecrets } from '../src/logger.js';

// Real-looking values, assembled so no literal token sits in the repository.
const SLACK_BOT = ['xoxb', '2711843021', '5580162811376', 'q7Yt3LpZvRm9KxN2bWcD4eFg'].join('-');
const SLACK_USER = ['xoxp', '2711843021', '5580162811376', '5580162811999', 'a8f0c2d4e6b8a0c2d4e6b8a0c2d4e6b8'].join('-');
const SLACK_APP = ['xapp', '1', 'A06AB12CD34', '6512345678901', '0f1e2d3c4b5a69788796a5b4c3d2e1f0'].join('-');
const ANTHROPIC = ['sk', 'ant', 'api03', 'Zq9vR2kL8mN4pX7tY1wB6cD3fG5hJ0aS-Qe_Uo8IiKk'].join('-');
const GITHUB_CLASSIC = `ghp_${'R4nD0mT0k3nV4lu3F0rT3st1ngXyZ12'.slice(0, 36)}`;
const GITHUB_FINE = `github_pat_${'11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789abcdefghij'}`;
const GITHUB_INSTALLATION = `ghs_${'16C7e42F292c6912E7710c838347Ae178B4a'}`;
const PEM = ['-----BEGIN RSA PRIVATE KEY-----', 'MIIEowIBAAKCAQEAx7mP3Qk2Vb9L0rTq', 'Zq9vR2kL8mN4pX7tY1wB6cD3fG5hJ0aS', '-----END RSA PRIVATE KEY-----'].join('\n');
const SIGNING_SECRET = '8f14e45fceea167a5a36dedd4bea2543';
const ALL = [SLACK_BOT, SLACK_USER, SLACK_APP, ANTHROPIC, GITHUB_CLASSIC, GITHUB_FINE, GITHUB_INSTALLATION, SIGNING_SECRET];

function memoryLogger(level: 'info' | 'debug' = 'debug') {
  let output = '';
  const destination = new Writable({
    write(chunk, _encoding, done) {
      output += String(chunk);
      done();
    },
  });
  const logger = createLogger({ level, destination, secrets: [SIGNING_SECRET, PEM] });
  return { logger, read: () => output };
}

function expectNoSecret(output: string) {
  for (const secret of ALL) expect(output).not.toContain(secret);
  expect(output).not.toContain('MIIEowIBAAKCAQEAx7mP3Qk2Vb9L0rTq');
  // Distinctive fragments, in case a value were cut or re-encoded.
  expect(output).not.toContain('q7Yt3LpZvRm9KxN2bWcD4eFg');
  expect(output).not.toContain('Zq9vR2kL8mN4pX7tY1wB6cD3fG5hJ0aS');
}

describe('logger redaction', () => {
  it('redacts secret fields by name, at any depth we log', () => {
    const { logger, read } = memoryLogger();
    logger.info(
      {
        token: SLACK_BOT,
        botToken: SLACK_BOT,
        appToken: SLACK_APP,
        signingSecret: SIGNING_SECRET,
        config: { apiKey: ANTHROPIC, privateKey: PEM, github: { token: GITHUB_CLASSIC } },
        req: { headers: { authorization: `Bearer ${ANTHROPIC}`, 'x-api-key': ANTHROPIC } },
        env: { GITHUB_TOKEN: GITHUB_FINE, SLACK_BOT_TOKEN: SLACK_BOT },
      },
      'starting',
    );
    const output = read();
    expectNoSecret(output);
    const line = JSON.parse(output) as Record<string, unknown>;
    expect(line.token).toBe('[redacted]');
    expect((line.req as { headers: Record<string, unknown> }).headers.authorization).toBe('[redacted]');
    expect(line.msg).toBe('starting');
  });

  it('scrubs token values from messages, errors, stacks and unrelated fields', () => {
    const { logger, read } = memoryLogger();
    const error = new Error(`An API error occurred: invalid_auth (token ${SLACK_USER})`);
    (error as Error & { data?: unknown }).data = { url: `https://api.example.com/?key=${ANTHROPIC}`, installation: GITHUB_INSTALLATION };
    logger.error({ err: error, pasted: `here is my config: SLACK_APP_TOKEN=${SLACK_APP} and the key ${PEM}` }, `request failed for ${GITHUB_FINE}`);
    logger.warn(`signature check with ${SIGNING_SECRET} failed`);
    logger.info({ nested: { deeper: { deepest: { value: `x ${GITHUB_CLASSIC} y` } } } }, 'deep');
    const output = read();
    expectNoSecret(output);
    expect(output).toContain('[redacted]');
    expect(output.trim().split('\n')).toHaveLength(3);
    expect(output).toContain('An API error occurred: invalid_auth');
  });

  it('scrubs PEM keys even when JSON-escaped on one line', () => {
    expect(scrubSecrets(JSON.stringify({ key: PEM }))).not.toContain('MIIEowIBAAKCAQEA');
    expect(scrubSecrets(`a ${PEM} b`)).toBe('a [redacted] b');
  });

  it('leaves ordinary text alone', () => {
    const text = 'AddField on accounts.0042_add_email took 12ms; xoxb is a prefix; sk-ant- alone is fine';
    expect(scrubSecrets(text)).toBe(text);
  });
});
