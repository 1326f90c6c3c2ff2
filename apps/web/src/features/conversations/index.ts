export {
  ConversationState,
  conversations,
  type ListMode,
  type OpenThread,
} from './conversation-state.svelte';
export { default as ViewToggle } from './view-toggle.svelte';
