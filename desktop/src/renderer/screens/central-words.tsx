import type { Tone } from '../ui.tsx';

/** Central's batch states as a technician reads them. */
export const CENTRAL_WORDS: Record<string, [Tone, string]> = {
  stored: ['neutral', 'received'],
  queued: ['neutral', 'waiting to be processed'],
  processing: ['neutral', 'being processed'],
  processed: ['ok', 'processed'],
  failed: ['failing', 'processing failed'],
  quarantined: ['attention', 'refused as invalid'],
};
