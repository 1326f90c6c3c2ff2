export { default as Button } from './button.svelte';
export { default as EmptyState } from './empty-state.svelte';
export { default as TextField } from './text-field.svelte';
