/**
 * Reply, reply-all and forward templates from the reader's own view model (the same parse and
 * the same sanitizer as reading: nothing is parsed twice or differently).
 */
import type { ComposeMode, DraftInput, Identity, MessageDetail, ReplyTemplate } from '@westwind/contract';
import {
  escapeHtml,
  forwardHeaderBlock,
  forwardSubject,
  quoteText,
  replyAttribution,
  replyRecipients,
  replyReferences,
  replySubject,
} from './text.js';

function textToHtml(text: string): string {
  return escapeHtml(text).replace(/\r?\n/g, '<br>');
}

/** Pure: the template for `mode` from an opened message. */
export function buildReplyTemplate(
  detail: MessageDetail,
  mode: ComposeMode,
  identities: readonly Identity[],
): ReplyTemplate {
  const { summary } = detail;
  const own = identities.map((i) => i.address);
  const { to, cc } = replyRecipients(
    mode,
    { from: summary.from, replyTo: detail.replyTo, to: summary.to, cc: summary.cc },
    own,
  );
  const originalText = detail.text ?? '';
  let quotedText: string;
  let quotedHtml: string | null;
  if (mode === 'forward') {
    const block = forwardHeaderBlock({
      from: summary.from,
      to: summary.to,
      cc: summary.cc,
      date: new Date(summary.date).toUTCString(),
      subject: summary.subject,
    });
    quotedText = `${block.join('\n')}\n\n${originalText}\n`;
    quotedHtml = `<div>${block.map(escapeHtml).join('<br>')}</div><br>${detail.html ?? textToHtml(originalText)}`;
  } else {
    const attribution = replyAttribution(summary.date, summary.from[0]);
    quotedText = quoteText(attribution, originalText);
    quotedHtml = `<div>${escapeHtml(attribution)}</div><blockquote type="cite">${
      detail.html ?? textToHtml(originalText)
    }</blockquote>`;
  }
  // Answer as the identity the message was addressed to, when it was one of ours.
  const addressed = new Set(
    [...summary.to, ...summary.cc, ...detail.bcc].map((a) => a.address.toLowerCase()),
  );
  const identity = identities.find((i) => addressed.has(i.address.toLowerCase()));
  const forwarded = mode === 'forward' ? detail.attachments.filter((a) => !a.inline) : [];
  const draft: DraftInput = {
    to,
    cc,
    bcc: [],
    subject: mode === 'forward' ? forwardSubject(summary.subject) : replySubject(summary.subject),
    text: `\n\n${quotedText}`,
    html: `<p><br></p>${quotedHtml}`,
    attachments: forwarded.map((a) => ({
      fromMessage: { mailboxId: summary.mailboxId, uid: summary.uid, partId: a.partId },
    })),
    inReplyTo: { mailboxId: summary.mailboxId, uid: summary.uid },
    mode,
  };
  if (identity) draft.identityId = identity.id;
  const replying = mode !== 'forward';
  return {
    mode,
    draft,
    attachments: forwarded,
    inReplyToMessageId: replying ? summary.messageId : null,
    references: replying ? replyReferences(detail.references, summary.inReplyTo, summary.messageId) : [],
    quotedText,
    quotedHtml,
  };
}
