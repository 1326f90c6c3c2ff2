export { default as SearchBox } from './search-box.svelte';
export { SearchableListState, setSearch, useSearch } from './search-list-state.svelte';
