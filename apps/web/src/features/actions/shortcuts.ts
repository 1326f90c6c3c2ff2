/** Gmail's keyboard shortcuts, as commands the mail shell carries out. */
export type Command =
  | 'next'
  | 'previous'
  | 'open'
  | 'back'
  | 'archive'
  | 'delete'
  | 'spam'
  | 'star'
  | 'mark-read'
  | 'mark-unread'
  | 'select'
  | 'help'
  | 'search'
  /** The first key of a two-key shortcut (`g` then `i`). */
  | 'go'
  | 'go-inbox'
  | 'compose'
  | 'reply'
  | 'reply-all'
  | 'forward'
  | 'escape';

export interface KeyInput {
  key: string;
  shiftKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
}

/**
 * The command for a key press, or null. Ignored while typing or with Ctrl/Cmd/Alt held.
 * `afterGo` is true when the previous key was a lone `g` (the caller keeps that, with a timeout).
 */
export function commandForKey(input: KeyInput, typing: boolean, afterGo = false): Command | null {
  if (input.key === 'Escape') return 'escape';
  if (typing || input.ctrlKey || input.metaKey || input.altKey) return null;
  if (afterGo) return input.key === 'i' ? 'go-inbox' : null;
  switch (input.key) {
    case '/':
      return 'search';
    case 'g':
      return 'go';
    case 'j':
      return 'next';
    case 'k':
      return 'previous';
    case 'o':
    case 'Enter':
      return 'open';
    case 'u':
      return 'back';
    case 'e':
      return 'archive';
    case '#':
      return 'delete';
    case '!':
      return 'spam';
    case 's':
      return 'star';
    case 'I':
      return input.shiftKey ? 'mark-read' : null;
    case 'U':
      return input.shiftKey ? 'mark-unread' : null;
    case 'x':
      return 'select';
    case 'c':
      return 'compose';
    case 'r':
      return 'reply';
    case 'a':
      return 'reply-all';
    case 'f':
      return 'forward';
    case '?':
      return 'help';
    default:
      return null;
  }
}

/** Whether keys typed now go into a text field (shortcuts must not fire then). */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && !['checkbox', 'radio', 'button'].includes(target.type);
}
