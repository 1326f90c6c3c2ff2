// Only the launcher: the composer itself (compose-pane.svelte and everything under it) is loaded
// lazily through `loadComposer()`, so it must not be re-exported here.
export { type ComposeRequest, composer, type LaunchMode, loadComposer } from './launcher.svelte';
