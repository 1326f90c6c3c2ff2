export { default as FolderPane } from './folder-pane.svelte';
export { FolderState } from './folder-state.svelte';
export { type MailContext, setMail, useMail } from './mail-context';
export { default as MessageListPane } from './message-list-pane.svelte';
export { MessageListState } from './message-list-state.svelte';
