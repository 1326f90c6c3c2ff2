export { default as MailShell } from './mail-shell.svelte';
export { PaneState } from './pane-state.svelte';
export type { Pane, PaneLayout } from './panes';
