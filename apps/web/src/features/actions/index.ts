export { MailActions, type PendingDialog } from './mail-actions.svelte';
export { commandForKey, isTypingTarget } from './shortcuts';
export { default as ToastRegion } from './toast-region.svelte';
export { toasts } from './toast-state.svelte';
