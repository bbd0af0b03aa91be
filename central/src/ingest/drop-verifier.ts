import type { VerifyResult } from '@zra/shared';

/** Checks a whole drop zip (shared's `verifyDrop`); injected so the ingest service stays testable. */
export type DropVerifier = (zip: Buffer, options: { fileName: string }) => VerifyResult;
