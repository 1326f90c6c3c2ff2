/**
 * The only part of the composer in the first-load bundle: a queue of requests and a flag that
 * tells the shell to load the composer chunk (`compose-pane.svelte`) on first use.
 */
export type ComposeRequest =
  | { kind: 'new' }
  | { kind: 'reply'; mailboxId: string; uid: number; mode: LaunchMode; size?: number }
  | { kind: 'resume'; mailboxId: string; uid: number };

/**
 * How a message is answered. `forwardAsAttachment` sends the whole original as message/rfc822;
 * the request's `size` (the original's) labels its chip.
 */
export type LaunchMode = 'reply' | 'replyAll' | 'forward' | 'forwardAsAttachment';

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
