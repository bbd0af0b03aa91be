import type { Tone } from '@zra/ui';
import type { Outputs } from './api.ts';

type FleetPark = Outputs['dashboard']['fleet']['parks'][number];
export type Attention = FleetPark['attention'][number];
export type Fixer = NonNullable<Outputs['dashboard']['drop']['failure']>['fixer'];
export type RideAtPark = NonNullable<Outputs['dashboard']['park']['agent']['rides']>[number];

/** Each reason a park needs a person, as a badge word and its tone. */
export const ATTENTION_WORDS: Record<Attention, { word: string; tone: Tone }> = {
  disabled: { word: 'disabled', tone: 'idle' },
  never_heard: { word: 'agent never heard from', tone: 'idle' },
  silent: { word: 'agent silent', tone: 'bad' },
  rides_failing: { word: 'rides failing at the park', tone: 'bad' },
  failed_drops: { word: 'failed drops', tone: 'bad' },
  quarantined_at_park: { word: 'quarantined at the park', tone: 'warn' },
  quarantined_today: { word: 'quarantined today', tone: 'warn' },
  backlog_growing: { word: 'backlog growing', tone: 'warn' },
  rides_paused: { word: 'pulling paused', tone: 'warn' },
};

/** Who can fix a failure, as the drop page says it (docs/job-contracts.md#job-error-codes). */
export const FIXER_WORDS: Record<Fixer, string> = {
  central_admin:
    "An admin at central (Zamperla), not the park's technician: the fix is in central's settings.",
  operator: "The operator who runs central's servers (worker disks, versions, timeouts).",
  support: 'Zamperla support: send them the drop id below.',
  park: "The park: the ride's PLC export wrote a file that is not a valid drop. Tell the technician; Zamperla service can check the export.",
  nobody_yet: 'Nobody yet: central retries by itself.',
};

/** Short form of {@link FIXER_WORDS} for tables. */
export const FIXER_SHORT: Record<Fixer, string> = {
  central_admin: 'admin at central',
  operator: "central's operator",
  support: 'Zamperla support',
  park: 'the park (PLC export)',
  nobody_yet: 'retried by itself',
};

/** A ride's pulling at the park as a badge. */
export const RIDE_STATE_WORDS: Record<RideAtPark['state'], { word: string; tone: Tone }> = {
  ok: { word: 'pulling', tone: 'ok' },
  failing: { word: 'failing', tone: 'bad' },
  paused: { word: 'paused', tone: 'warn' },
  never_pulled: { word: 'not pulled yet', tone: 'idle' },
};

/** What each role may do (the Admin page explains it). */
export const ROLE_WORDS = {
  viewer:
    'sees every park, ride, drop, job and report, downloads reports and requests new ones; changes nothing else.',
  admin:
    'also adds, edits, disables and deletes parks, tokens, schedules and users, and requeues failed jobs.',
} as const;

export const PERIOD_WORDS = { day: 'daily', week: 'weekly', month: 'monthly' } as const;
export const LANGUAGE_WORDS = { en: 'English', it: 'Italiano' } as const;
