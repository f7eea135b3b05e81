// The names a benchmark request chooses from. A file of its own, free of imports: the side workers
// load it through types.ts without TypeBox, and the schemas (schema.ts) list them as enums.

export const PATTERNS = ['stream', 'rr', 'crr'] as const;
export const SEND_MODES = ['copy', 'zerocopy', 'sendfile'] as const;
export const DIRECTIONS = ['forward', 'reverse', 'bidirectional'] as const;
export const BACKGROUND_DIRECTIONS = ['forward'] as const;
