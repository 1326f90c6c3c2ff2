export interface Toast {
  id: number;
  message: string;
  kind: 'info' | 'error';
  action?: { label: string; run: () => void } | undefined;
}

const DURATION_MS = 8000;

/** Short messages at the bottom of the screen; app-wide: use the `toasts` singleton. */
export class ToastState {
  #items = $state.raw<Toast[]>([]);
  #next = 1;

  get items(): Toast[] {
    return this.#items;
  }

  show(message: string, kind: Toast['kind'] = 'info', action?: Toast['action']): number {
    const id = this.#next++;
    // One at a time per kind is plenty; a newer undo replaces an older one.
    this.#items = [...this.#items.filter((t) => t.kind !== kind), { id, message, kind, action }];
    setTimeout(() => this.dismiss(id), kind === 'error' ? DURATION_MS * 1.5 : DURATION_MS);
    return id;
  }

  dismiss(id: number): void {
    this.#items = this.#items.filter((t) => t.id !== id);
  }
}

export const toasts = new ToastState();
