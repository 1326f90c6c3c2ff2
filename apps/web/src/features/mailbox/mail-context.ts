import { getContext, setContext } from 'svelte';
import type { MailActions } from '../actions/mail-actions.svelte';
import type { ReaderState } from '../reader/reader-state.svelte';
import type { FolderState } from './folder-state.svelte';
import type { MessageKey } from './message-key';
import type { MessageListState } from './message-list-state.svelte';

/** The mail shell's state, shared with the panes below it. */
export interface MailContext {
  folders: FolderState;
  list: MessageListState;
  reader: ReaderState;
  actions: MailActions;
  /** Opens a message in the reader (and brings the reader forward on a phone). */
  openMessage(key: MessageKey): void;
  /** Opens a folder (and brings the list forward on a phone). */
  openFolder(id: string): void;
}

const KEY = Symbol('mail');

export function setMail(context: MailContext): MailContext {
  return setContext(KEY, context);
}

export function useMail(): MailContext {
  const context = getContext<MailContext | undefined>(KEY);
  if (!context) throw new Error('useMail() outside the mail shell');
  return context;
}
