// Search request and response schemas (filled in by the search capability).
export {};
