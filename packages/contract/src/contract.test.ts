import { Value } from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { ApiError, ErrorCodes, SignInRequest } from './index.js';

describe('contract schemas', () => {
  it('accepts a well-formed sign-in request and rejects extra or missing fields', () => {
    expect(Value.Check(SignInRequest, { address: 'demo@westwind.test', password: 'pw' })).toBe(true);
    expect(Value.Check(SignInRequest, { address: 'demo@westwind.test' })).toBe(false);
    expect(
      Value.Check(SignInRequest, { address: 'demo@westwind.test', password: 'pw', host: '10.0.0.1' }),
    ).toBe(false);
  });

  it('describes every error code with the uniform error body', () => {
    for (const code of Object.values(ErrorCodes)) {
      expect(Value.Check(ApiError, { error: { code, message: 'x' } })).toBe(true);
    }
    expect(new Set(Object.values(ErrorCodes)).size).toBe(Object.keys(ErrorCodes).length);
  });
});
