// Conversation (thread) schemas (filled in by the conversations capability).
export {};
