import type { Tone } from '@zra/ui';

/** Central's batch states as a technician reads them. */
export const CENTRAL_WORDS: Record<string, [Tone, string]> = {
  stored: ['idle', 'received'],
  queued: ['idle', 'waiting to be processed'],
  processing: ['busy', 'being processed'],
  processed: ['ok', 'processed'],
  failed: ['bad', 'processing failed'],
  quarantined: ['warn', 'refused as invalid'],
};
