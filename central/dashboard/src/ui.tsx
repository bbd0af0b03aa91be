import type { ReactNode } from 'react';

/** The session's user, as every screen needs it (admins see the buttons that change things). */
export interface Viewer {
  username: string;
  role: 'admin' | 'viewer';
}

export function Page(props: { title: string; actions?: ReactNode; children: ReactNode }) {
  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-head">
        <h1 id="page-title">{props.title}</h1>
        {props.actions ? <div className="page-actions">{props.actions}</div> : null}
      </header>
      {props.children}
    </section>
  );
}

/** A refresh failure: shown above the last good data, never instead of it. */
export function ErrorBanner(props: { error: string | null }) {
  return props.error ? (
    <p className="banner banner-error" role="alert">
      {props.error}
    </p>
  ) : null;
}

export function Loading() {
  return <p className="muted">Loading…</p>;
}

/** An empty list says why it is empty and what would fill it. */
export function Empty(props: { children: ReactNode }) {
  return <div className="empty">{props.children}</div>;
}

/** A coloured word for a state; colour is never the only signal. */
export function Badge(props: {
  tone: 'ok' | 'warn' | 'bad' | 'idle' | 'busy';
  children: ReactNode;
}) {
  return <span className={`badge badge-${props.tone}`}>{props.children}</span>;
}

const STATE_TONES: Record<string, 'ok' | 'warn' | 'bad' | 'idle' | 'busy'> = {
  processed: 'ok',
  ready: 'ok',
  succeeded: 'ok',
  stored: 'idle',
  queued: 'idle',
  processing: 'busy',
  running: 'busy',
  retrying: 'warn',
  failed: 'bad',
  quarantined: 'bad',
};

export function StateBadge(props: { state: string }) {
  return <Badge tone={STATE_TONES[props.state] ?? 'idle'}>{props.state}</Badge>;
}

export function Stat(props: { label: string; value: ReactNode; hint?: string; text?: boolean }) {
  return (
    <div className="stat">
      <div className="stat-label">{props.label}</div>
      <div className={props.text ? 'stat-value text' : 'stat-value'}>{props.value}</div>
      {props.hint ? <div className="stat-hint">{props.hint}</div> : null}
    </div>
  );
}
