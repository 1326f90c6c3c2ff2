import { describe, expect, it } from 'vitest';
import { commandForKey, type KeyInput } from './shortcuts';

const key = (k: string, extra: Partial<KeyInput> = {}): KeyInput => ({
  key: k,
  shiftKey: false,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  ...extra,
});

describe('commandForKey', () => {
  it('maps Gmail keys', () => {
    expect(commandForKey(key('j'), false)).toBe('next');
    expect(commandForKey(key('k'), false)).toBe('previous');
    expect(commandForKey(key('Enter'), false)).toBe('open');
    expect(commandForKey(key('#', { shiftKey: true }), false)).toBe('delete');
    expect(commandForKey(key('!', { shiftKey: true }), false)).toBe('spam');
    expect(commandForKey(key('I', { shiftKey: true }), false)).toBe('mark-read');
    expect(commandForKey(key('U', { shiftKey: true }), false)).toBe('mark-unread');
    expect(commandForKey(key('?', { shiftKey: true }), false)).toBe('help');
  });
  it('does nothing while typing or with modifiers, except Escape', () => {
    expect(commandForKey(key('j'), true)).toBeNull();
    expect(commandForKey(key('s', { ctrlKey: true }), false)).toBeNull();
    expect(commandForKey(key('Escape'), true)).toBe('escape');
    expect(commandForKey(key('q'), false)).toBeNull();
  });
  it('maps c, r, a and f to compose, reply, reply all and forward', () => {
    expect(commandForKey(key('c'), false)).toBe('compose');
    expect(commandForKey(key('r'), false)).toBe('reply');
    expect(commandForKey(key('a'), false)).toBe('reply-all');
    expect(commandForKey(key('f'), false)).toBe('forward');
    expect(commandForKey(key('c'), true)).toBeNull();
    expect(commandForKey(key('r', { ctrlKey: true }), false)).toBeNull();
    expect(commandForKey(key('f', { metaKey: true }), false)).toBeNull();
  });
  it('maps / to search and g then i to the inbox', () => {
    expect(commandForKey(key('/'), false)).toBe('search');
    expect(commandForKey(key('/'), true)).toBeNull();
    expect(commandForKey(key('g'), false)).toBe('go');
    expect(commandForKey(key('i'), false, true)).toBe('go-inbox');
    expect(commandForKey(key('j'), false, true)).toBeNull();
    expect(commandForKey(key('i'), true, true)).toBeNull();
    expect(commandForKey(key('i'), false)).toBeNull();
  });
});
