import type { ReactNode } from 'react';

/** The state colours; a badge always carries a word too, never colour alone. */
export type Tone = 'ok' | 'warn' | 'bad' | 'idle' | 'busy';

export function Badge(props: { tone: Tone; children: ReactNode; title?: string }) {
  return (
    <span className={`badge badge-${props.tone}`} title={props.title}>
      {props.children}
    </span>
  );
}

/** Tones of the states both apps show (drops, jobs, reports). */
export const STATE_TONES: Readonly<Record<string, Tone>> = {
  processed: 'ok',
  ready: 'ok',
  succeeded: 'ok',
  uploaded: 'ok',
  stored: 'idle',
  queued: 'idle',
  buffered: 'idle',
  processing: 'busy',
  running: 'busy',
  uploading: 'busy',
  retrying: 'warn',
  abandoned: 'warn',
  failed: 'bad',
  quarantined: 'bad',
  rejected: 'bad',
};

/** A state as a badge in its tone; `label` replaces the state's own word. */
export function StateBadge(props: { state: string; label?: string }) {
  return <Badge tone={STATE_TONES[props.state] ?? 'idle'}>{props.label ?? props.state}</Badge>;
}
