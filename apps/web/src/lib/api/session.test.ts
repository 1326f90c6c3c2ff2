import { describe, expect, it } from 'vitest';
import { ApiRequestError } from './client';
import { parseSessionInfo } from './session';

describe('parseSessionInfo', () => {
  it('keeps a well-formed session', () => {
    const info = { address: 'ada@example.test', displayName: 'Ada', capabilities: ['IDLE', 'CONDSTORE'] };
    expect(parseSessionInfo(info)).toEqual(info);
  });

  it('fills in optional parts the UI can live without', () => {
    expect(parseSessionInfo({ address: 'ada@example.test', capabilities: ['IDLE', 7] })).toEqual({
      address: 'ada@example.test',
      displayName: '',
      capabilities: ['IDLE'],
    });
  });

  it('rejects an answer without an address', () => {
    expect(() => parseSessionInfo({ displayName: 'Ada' })).toThrow(ApiRequestError);
    expect(() => parseSessionInfo(null)).toThrow(ApiRequestError);
  });
});
