import { describe, expect, it } from 'vitest';
import { findPullRequestRefs, parsePullRequestRef, parseRepoSpec, webHostOfApiUrl } from '../../src/github/index.js';

describe('parseRepoSpec', () => {
  it.each([
    ['acme/shop', { owner: 'acme', repo: 'shop' }],
    ['  Acme-Labs/shop.api  ', { owner: 'Acme-Labs', repo: 'shop.api' }],
    ['https://github.com/acme/shop', { owner: 'acme', repo: 'shop' }],
    ['https://github.com/acme/shop.git', { owner: 'acme', repo: 'shop' }],
    ['github.com/acme/shop/tree/main/backend', { owner: 'acme', repo: 'shop' }],
    ['<https://github.com/acme/shop|acme/shop>', { owner: 'acme', repo: 'shop' }],
    ['https://github.com/acme/shop/pull/12', { owner: 'acme', repo: 'shop' }],
  ])('%s', (text, expected) => {
    expect(parseRepoSpec(text)).toEqual(expected);
  });

  it.each(['', 'acme', 'acme/', '/shop', 'acme/shop/extra', 'ac me/shop', '-acme/shop', 'acme--x/shop', 'acme/..', 'https://gitlab.com/acme/shop', 'https://github.com/acme', 'ftp://github.com/acme/shop', 'hello world'])(
    'rejects %j',
    (text) => {
      expect(parseRepoSpec(text)).toBeNull();
    },
  );

  it('accepts the GitHub Enterprise host only when configured', () => {
    expect(parseRepoSpec('https://ghe.acme.corp/team/api')).toBeNull();
    expect(parseRepoSpec('https://ghe.acme.corp/team/api', { hosts: ['ghe.acme.corp'] })).toEqual({ owner: 'team', repo: 'api' });
    expect(webHostOfApiUrl('https://ghe.acme.corp/api/v3')).toBe('ghe.acme.corp');
    expect(webHostOfApiUrl('https://api.github.com')).toBeNull();
    expect(webHostOfApiUrl(undefined)).toBeNull();
  });
});

describe('parsePullRequestRef', () => {
  it.each([
    ['acme/shop#42', { owner: 'acme', repo: 'shop', number: 42 }],
    ['https://github.com/acme/shop/pull/42', { owner: 'acme', repo: 'shop', number: 42 }],
    ['https://github.com/acme/shop/pull/42/files#diff-abc', { owner: 'acme', repo: 'shop', number: 42 }],
    ['<https://github.com/acme/shop/pull/42>', { owner: 'acme', repo: 'shop', number: 42 }],
  ])('%s', (text, expected) => {
    expect(parsePullRequestRef(text)).toEqual(expected);
  });

  it.each(['acme/shop', 'acme/shop#', 'acme/shop#0', 'acme/shop#x1', 'https://github.com/acme/shop/issues/42', 'https://github.com/acme/shop/pull/abc', 'https://evil.example/acme/shop/pull/1'])('rejects %j', (text) => {
    expect(parsePullRequestRef(text)).toBeNull();
  });

  it('reads GHES pull request URLs for the configured host', () => {
    expect(parsePullRequestRef('https://ghe.acme.corp/team/api/pull/7', { hosts: ['ghe.acme.corp'] })).toEqual({ owner: 'team', repo: 'api', number: 7 });
  });
});

describe('findPullRequestRefs', () => {
  it('finds each PR once in a message, in Slack link form too', () => {
    const text = 'is <https://github.com/acme/shop/pull/42|this> safe? also acme/web#7, and https://github.com/acme/shop/pull/42 again (see acme/shop#9).';
    expect(findPullRequestRefs(text)).toEqual([
      { owner: 'acme', repo: 'shop', number: 42 },
      { owner: 'acme', repo: 'web', number: 7 },
      { owner: 'acme', repo: 'shop', number: 9 },
    ]);
    expect(findPullRequestRefs('no links here <@U123>')).toEqual([]);
  });
});
