import { useEffect, useState, type MouseEvent, type ReactNode } from 'react';

/** A tiny history-API router: the server answers every unknown path with index.html. */
const listeners = new Set<() => void>();

export function navigate(to: string): void {
  window.history.pushState(null, '', to);
  for (const l of listeners) l();
}

/** The current path and query (`?subject=…`), updated on navigation and Back. */
export function useLocation(): { path: string; query: URLSearchParams } {
  const read = () => ({
    path: window.location.pathname,
    query: new URLSearchParams(window.location.search),
  });
  const [location, setLocation] = useState(read);
  useEffect(() => {
    const update = () => setLocation(read());
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return location;
}

export function Link(props: {
  to: string;
  children: ReactNode;
  className?: string;
  title?: string;
}) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    // Let the browser handle new-tab clicks.
    if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    navigate(props.to);
  };
  return (
    <a href={props.to} onClick={onClick} className={props.className} title={props.title}>
      {props.children}
    </a>
  );
}

/** Paths of the screens, built in one place. */
export const to = {
  park: (park: string) => `/parks/${encodeURIComponent(park)}`,
  ride: (park: string, ride: string) =>
    `/parks/${encodeURIComponent(park)}/rides/${encodeURIComponent(ride)}`,
  drop: (batchId: string) => `/drops/${encodeURIComponent(batchId)}`,
  runsOf: (subject: string) => `/jobs?subject=${encodeURIComponent(subject)}`,
  centralPull: '/central-pull',
  auditLog: '/admin/audit-log',
};
