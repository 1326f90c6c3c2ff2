/**
 * Which pane of the mail shell is in front. Pure, so the navigation rules are unit-tested; CSS
 * decides per viewport width what the layout means (wide screens show every pane and ignore it).
 */
export type Pane = 'folders' | 'list' | 'reader';

export interface PaneLayout {
  /** The one pane shown on narrow screens (< 640 px). */
  current: Pane;
  /** Whether the folder drawer is open on medium screens (640–1023 px). */
  drawerOpen: boolean;
}

export type PaneAction =
  | { type: 'show'; pane: Pane }
  | { type: 'back' }
  | { type: 'toggle-drawer' }
  | { type: 'close-drawer' };

export const INITIAL_LAYOUT: PaneLayout = { current: 'list', drawerOpen: false };

/** One step back in folders → list → reader; null at the start. */
export function parentPane(pane: Pane): Pane | null {
  switch (pane) {
    case 'reader':
      return 'list';
    case 'list':
      return 'folders';
    case 'folders':
      return null;
  }
}

/** The next layout; returns the same object when nothing changes. */
export function reducePanes(layout: PaneLayout, action: PaneAction): PaneLayout {
  let next: PaneLayout;
  switch (action.type) {
    case 'show':
      // Picking a folder or a message also dismisses the drawer it was picked from.
      next = { current: action.pane, drawerOpen: false };
      break;
    case 'back':
      next = { current: parentPane(layout.current) ?? layout.current, drawerOpen: false };
      break;
    case 'toggle-drawer':
      next = { ...layout, drawerOpen: !layout.drawerOpen };
      break;
    case 'close-drawer':
      next = { ...layout, drawerOpen: false };
      break;
  }
  return next.current === layout.current && next.drawerOpen === layout.drawerOpen ? layout : next;
}
