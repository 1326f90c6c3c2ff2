import type { MessageSummary } from '@westwind/contract';
import { senderLabel } from '../mailbox/message-format';
import { keyOf, type MessageKey } from '../mailbox/message-key';

export interface ArrivalNotice {
  title: string;
  body: string;
  /** Notifications with one tag replace each other instead of piling up. */
  tag: string;
  /** The message a click opens; none for a burst (the click opens the Inbox). */
  key?: MessageKey;
}

const LISTED = 3;

/**
 * The notification for messages that just arrived (newest last, as a changes delta lists them):
 * one message by sender and subject, a burst as a single count. `more`: the delta was cut short,
 * so there are more than `messages`. Already-read arrivals (filed by another client) are news to
 * nobody. Plain strings only: the Notification API renders no markup, and none is built here.
 */
export function arrivalNotice(messages: readonly MessageSummary[], more = false): ArrivalNotice | null {
  const unread = messages.filter((m) => !m.flags.seen);
  const newest = unread[unread.length - 1];
  if (!newest) return null;
  const line = (m: MessageSummary) => m.subject.trim() || '(no subject)';
  const tag = `westwind:${keyOf(newest)}`;
  if (unread.length === 1 && !more)
    return { title: senderLabel(newest.from), body: line(newest), tag, key: keyOf(newest) };
  const listed = unread
    .slice(-LISTED)
    .reverse()
    .map((m) => `${senderLabel(m.from)}: ${line(m)}`);
  return { title: `${unread.length}${more ? '+' : ''} new messages`, body: listed.join('\n'), tag };
}
