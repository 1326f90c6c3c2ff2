export { SettingsState, settings } from './settings-state.svelte';
