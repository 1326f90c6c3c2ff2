import { INITIAL_LAYOUT, type Pane, type PaneAction, type PaneLayout, reducePanes } from './panes';

/** Reactive holder for the shell's pane layout; one per mail shell. */
export class PaneState {
  #layout = $state.raw<PaneLayout>(INITIAL_LAYOUT);

  get current(): Pane {
    return this.#layout.current;
  }

  get drawerOpen(): boolean {
    return this.#layout.drawerOpen;
  }

  show(pane: Pane): void {
    this.#apply({ type: 'show', pane });
  }

  back(): void {
    this.#apply({ type: 'back' });
  }

  toggleDrawer(): void {
    this.#apply({ type: 'toggle-drawer' });
  }

  closeDrawer(): void {
    this.#apply({ type: 'close-drawer' });
  }

  #apply(action: PaneAction): void {
    this.#layout = reducePanes(this.#layout, action);
  }
}
