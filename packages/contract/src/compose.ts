// Compose, drafts, send and identities schemas (filled in by the compose capability).
export {};
