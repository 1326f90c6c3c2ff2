import { describe, expect, it } from 'vitest';
import { parsePreviewFetch } from './preview.js';

const fetch = (...items: unknown[]) => [{ type: 'ATOM', value: 'FETCH' }, items];

describe('parsePreviewFetch', () => {
  it('reads the UID and the preview text, cleaned to one line', () => {
    expect(
      parsePreviewFetch(
        fetch(
          { type: 'ATOM', value: 'UID' },
          { type: 'ATOM', value: '42' },
          { type: 'ATOM', value: 'PREVIEW' },
          { type: 'STRING', value: 'Hello\r\n  there\u0007' },
        ),
      ),
    ).toEqual({ uid: 42, text: 'Hello there' });
  });

  it('takes a literal, and NIL as an empty preview', () => {
    expect(
      parsePreviewFetch(
        fetch(
          { type: 'ATOM', value: 'PREVIEW' },
          { type: 'LITERAL', value: Buffer.from('Grüße') },
          { type: 'ATOM', value: 'UID' },
          { type: 'ATOM', value: '7' },
        ),
      ),
    ).toEqual({ uid: 7, text: 'Grüße' });
    expect(
      parsePreviewFetch(
        fetch(
          { type: 'ATOM', value: 'UID' },
          { type: 'ATOM', value: '7' },
          { type: 'ATOM', value: 'PREVIEW' },
          null,
        ),
      ),
    ).toEqual({ uid: 7, text: '' });
  });

  it('refuses responses without a valid UID or without PREVIEW', () => {
    expect(parsePreviewFetch(fetch({ type: 'ATOM', value: 'UID' }, { type: 'ATOM', value: '7' }))).toBeNull();
    expect(
      parsePreviewFetch(
        fetch(
          { type: 'ATOM', value: 'UID' },
          { type: 'ATOM', value: 'x' },
          { type: 'ATOM', value: 'PREVIEW' },
          { type: 'STRING', value: 'a' },
        ),
      ),
    ).toBeNull();
    expect(parsePreviewFetch(undefined)).toBeNull();
    expect(parsePreviewFetch([{ type: 'ATOM', value: 'FETCH' }, 'junk'])).toBeNull();
  });
});
