import type { ReactNode } from 'react';

/**
 * A screen: its title, where it sits (`crumbs`, the app's links), a note that labels its
 * times (`zoneNote`), actions at the right, and the content.
 */
export function Page(props: {
  title: string;
  crumbs?: ReactNode;
  note?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
}) {
  return (
    <section className="page" aria-labelledby="page-title">
      {props.crumbs ? (
        <nav className="crumbs" aria-label="Breadcrumb">
          {props.crumbs}
        </nav>
      ) : null}
      <header className="page-head">
        <h1 id="page-title">{props.title}</h1>
        {props.actions ? <div className="page-actions">{props.actions}</div> : null}
      </header>
      {props.note ? <p className="page-note">{props.note}</p> : null}
      {props.children}
    </section>
  );
}
