/**
 * Calls one tRPC batch may carry (the dashboard batches a screen's few queries). Without a
 * bound, one request of a 9 MiB body carried thousands of calls past every per-request limit.
 */
export const MAX_BATCH_CALLS = 20;
