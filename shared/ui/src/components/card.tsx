import type { ReactNode } from 'react';

/** A panel with an optional heading; `label` names it for screen readers and tests. */
export function Card(props: {
  title?: ReactNode;
  label?: string;
  children: ReactNode;
  tone?: 'attention';
}) {
  return (
    <section className={props.tone ? `card card-${props.tone}` : 'card'} aria-label={props.label}>
      {props.title ? <h2>{props.title}</h2> : null}
      {props.children}
    </section>
  );
}

/** A row of figures. */
export function Stats(props: { children: ReactNode }) {
  return <div className="stats">{props.children}</div>;
}

/** One figure: its label, its value and a hint (how fresh it is, what it counts). */
export function Stat(props: { label: string; value: ReactNode; hint?: ReactNode; text?: boolean }) {
  return (
    <div className="stat">
      <div className="stat-label">{props.label}</div>
      <div className={props.text ? 'stat-value text' : 'stat-value'}>{props.value}</div>
      {props.hint ? <div className="stat-hint">{props.hint}</div> : null}
    </div>
  );
}
