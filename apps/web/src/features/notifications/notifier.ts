import type { MailboxChanges } from '@westwind/contract';
import { apiRequest } from '../../lib/api/client';
import { arrivalNotice } from './arrival-notice';
import { NOTIFY_KEY, type NotifierHost } from './index';

/** More changes than this at once is a catch-up: told as a count, the rest skipped. */
const MAX_CHANGES = 100;

let started = false;
/** Whether this tab is the one of this browser's Westwind tabs that notifies. */
let leader = false;

const wanted = () =>
  leader &&
  globalThis.localStorage?.getItem(NOTIFY_KEY) === '1' &&
  globalThis.Notification?.permission === 'granted';

function changes(mailboxId: string, since: string): Promise<MailboxChanges> {
  const query = new URLSearchParams({ since, maxChanges: String(MAX_CHANGES) });
  return apiRequest<MailboxChanges>('GET', `/mailboxes/${encodeURIComponent(mailboxId)}/changes?${query}`);
}

/**
 * Desktop notifications for new Inbox mail, by push: each Inbox event is followed by a changes
 * call, and its `created` messages are announced while the page is hidden (a visible page shows
 * them in the list already). The initial load is no news: only a state this tab knew before an
 * event is a starting point.
 */
export function start(host: NotifierHost): void {
  if (started) return;
  started = true;
  // Every tab queues for one lock and holds it until it closes; the holder notifies, the next in
  // line takes over. Without the Web Locks API every tab notifies (the tags still merge repeats).
  if (navigator.locks) {
    void navigator.locks.request('westwind.notify', () => {
      leader = true;
      return new Promise<never>(() => {});
    });
  } else leader = true;

  /** The Inbox state the last changes call reached: the server remembers what arrived after it. */
  let since: string | undefined;
  let queue = Promise.resolve();
  host.push.onMailbox((event, previous) => {
    const inboxId = host.folders.byRole('inbox')?.id;
    if (event.mailboxId !== inboxId) return;
    // One call at a time, so each starts where the last ended.
    queue = queue.then(async () => {
      if (!wanted()) {
        since = undefined;
        return;
      }
      try {
        const delta = await changes(inboxId, since ?? previous ?? event.state);
        since = delta.hasMoreChanges ? undefined : delta.newState;
        if (document.visibilityState !== 'visible') show(host, delta, inboxId);
      } catch {
        // A folder recreated meanwhile (INVALID_CURSOR), offline: start again from the next event.
        since = undefined;
      }
    });
  });
}

function show(host: NotifierHost, delta: MailboxChanges, inboxId: string): void {
  const notice = arrivalNotice(delta.created, delta.hasMoreChanges);
  if (!notice) return;
  let notification: Notification;
  try {
    notification = new Notification(notice.title, { body: notice.body, tag: notice.tag });
  } catch {
    // Android's Chrome shows notifications only through a service worker.
    return;
  }
  notification.onclick = () => {
    window.focus();
    notification.close();
    host.openFolder(inboxId);
    if (notice.key) host.openMessage(notice.key);
  };
}
