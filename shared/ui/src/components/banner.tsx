import type { ReactNode } from 'react';

export type BannerTone = 'error' | 'warn' | 'ok' | 'info';

/** A message across the page; errors and warnings are announced (`role="alert"`). */
export function Banner(props: { tone: BannerTone; children: ReactNode; title?: string }) {
  const role = props.tone === 'error' || props.tone === 'warn' ? 'alert' : 'status';
  return (
    <div className={`banner banner-${props.tone}`} role={role}>
      {props.title ? <strong className="banner-title">{props.title}</strong> : null}
      {props.children}
    </div>
  );
}

/** A refresh failure: shown above the last good data, never instead of it. */
export function ErrorBanner(props: { error: string | null | undefined }) {
  return props.error ? <Banner tone="error">{props.error}</Banner> : null;
}

export function Loading(props: { what?: string }) {
  return (
    <p className="muted" role="status">
      Loading{props.what ? ` ${props.what}` : ''}…
    </p>
  );
}

/** An empty list says why it is empty and what would fill it. */
export function Empty(props: { children: ReactNode }) {
  return <div className="empty">{props.children}</div>;
}
