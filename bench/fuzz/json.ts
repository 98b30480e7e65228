/** The fuzz oracles' readers of a request body as sent: a value as an array, or as an object (not an array). */
export type Json = Record<string, unknown>;

export const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

export const rec = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
