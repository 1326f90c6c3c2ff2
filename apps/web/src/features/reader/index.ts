export { default as ReaderPane } from './reader-pane.svelte';
export { ReaderState } from './reader-state.svelte';
