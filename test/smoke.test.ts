import { describe, expect, it } from 'vitest';
import { AppError, asAppError } from '../src/errors.js';

describe('AppError', () => {
  it('keeps unknown errors as the cause and gives a user message', () => {
    const wrapped = asAppError(new Error('boom'));
    expect(wrapped).toBeInstanceOf(AppError);
    expect(wrapped.code).toBe('unknown');
    expect(wrapped.message).toBe('boom');
    expect(wrapped.userMessage).toMatch(/try again/);
  });
});
