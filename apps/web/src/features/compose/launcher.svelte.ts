/**
 * The only part of the composer in the first-load bundle: a queue of requests and a flag that
 * tells the shell to load the composer chunk (`compose-pane.svelte`) on first use.
 */
export type ComposeRequest =
  | { kind: 'new' }
  | { kind: 'reply'; mailboxId: string; uid: number; mode: 'reply' | 'replyAll' | 'forward' }
  | { kind: 'resume'; mailboxId: string; uid: number };

class ComposeLauncher {
  /** Requests the composer has not taken yet. */
  queue = $state.raw<ComposeRequest[]>([]);
  /** Whether the composer chunk should be loaded (a request came, or local drafts wait). */
  wanted = $state(false);

  open(request: ComposeRequest): void {
    this.queue = [...this.queue, request];
    this.wanted = true;
  }

  /** Hands the pending requests to the composer. */
  take(): ComposeRequest[] {
    const taken = this.queue;
    this.queue = [];
    return taken;
  }

  /** On start: load the composer if unsent drafts are stored locally (it offers to restore them). */
  boot(): void {
    try {
      this.wanted ||= Object.keys(localStorage).some((k) => k.startsWith('westwind.draft.'));
    } catch {
      /* storage disabled */
    }
  }
}

export const composer = new ComposeLauncher();
export const loadComposer = () => import('./compose-pane.svelte');
