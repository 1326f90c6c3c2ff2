import { describe, expect, it } from 'vitest';
import { INITIAL_LAYOUT, type PaneLayout, parentPane, reducePanes } from './panes';

describe('pane navigation', () => {
  it('starts on the message list with the drawer closed', () => {
    expect(INITIAL_LAYOUT).toEqual({ current: 'list', drawerOpen: false });
  });

  it('goes back reader → list → folders and stops there', () => {
    expect(parentPane('reader')).toBe('list');
    expect(parentPane('list')).toBe('folders');
    expect(parentPane('folders')).toBeNull();

    let layout: PaneLayout = { current: 'reader', drawerOpen: false };
    layout = reducePanes(layout, { type: 'back' });
    expect(layout.current).toBe('list');
    layout = reducePanes(layout, { type: 'back' });
    expect(layout.current).toBe('folders');
    expect(reducePanes(layout, { type: 'back' })).toBe(layout);
  });

  it('closes the drawer when a folder is picked from it', () => {
    const open = reducePanes(INITIAL_LAYOUT, { type: 'toggle-drawer' });
    expect(open.drawerOpen).toBe(true);
    expect(reducePanes(open, { type: 'show', pane: 'list' })).toEqual({ current: 'list', drawerOpen: false });
  });

  it('toggles and closes the drawer without moving panes', () => {
    const open = reducePanes(INITIAL_LAYOUT, { type: 'toggle-drawer' });
    expect(open.current).toBe('list');
    expect(reducePanes(open, { type: 'toggle-drawer' }).drawerOpen).toBe(false);
    expect(reducePanes(open, { type: 'close-drawer' }).drawerOpen).toBe(false);
  });

  it('returns the same object when nothing changes', () => {
    expect(reducePanes(INITIAL_LAYOUT, { type: 'close-drawer' })).toBe(INITIAL_LAYOUT);
    expect(reducePanes(INITIAL_LAYOUT, { type: 'show', pane: 'list' })).toBe(INITIAL_LAYOUT);
  });
});
