import type { PushConnection } from '../../lib/push/push-connection.svelte';
import type { FolderState } from '../mailbox/folder-state.svelte';
import type { MessageKey } from '../mailbox/message-key';

/** What the notifier needs from the mail shell. */
export interface NotifierHost {
  push: PushConnection;
  folders: FolderState;
  openFolder(id: string): void;
  openMessage(key: MessageKey): void;
}

/**
 * localStorage, not the account's settings: the browser's permission is per device, and so is
 * whether this device should pop up anything.
 */
export const NOTIFY_KEY = 'westwind.notify';

let host: NotifierHost | undefined;

/**
 * Starts desktop notifications when this device has them on (the shell calls it once; the
 * setting calls it again when switched on). The notifier itself stays out of the first load.
 */
export function startNotifications(next = host): void {
  host = next;
  if (host && globalThis.localStorage?.getItem(NOTIFY_KEY))
    void import('./notifier').then((m) => m.start(host!));
}
