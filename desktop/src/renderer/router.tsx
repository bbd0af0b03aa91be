import { useEffect, useState, type ReactNode } from 'react';

/**
 * The screens are URLs: the route lives in the address's hash (`#/rides?ride=x`), which works
 * the same over http://127.0.0.1 and Electron's zra:// scheme and needs nothing of the server,
 * so a reload opens the same screen and Back goes to the previous one.
 */
export const SCREENS = [
  ['', 'Overview'],
  ['rides', 'Rides'],
  ['drops', 'Drops'],
  ['reports', 'Reports'],
  ['settings', 'Settings'],
  ['activity', 'Activity'],
] as const;
export type ScreenPath = (typeof SCREENS)[number][0];

export interface Route {
  screen: ScreenPath | null;
  query: URLSearchParams;
}

function read(): Route {
  const raw = window.location.hash.replace(/^#\/?/, '');
  const [path = '', search = ''] = raw.split('?');
  const known = SCREENS.find(([p]) => p === path);
  return { screen: known ? known[0] : null, query: new URLSearchParams(search) };
}

/** The address of a screen, with its query (`href('activity', { ride: 'x' })`). */
export function href(screen: ScreenPath, query: Record<string, string> = {}): string {
  const q = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== '')).toString();
  return `#/${screen}${q ? `?${q}` : ''}`;
}

/** Goes to an address (a history entry, so Back returns). */
export function go(to: string): void {
  window.location.hash = to.replace(/^#/, '');
}

/** The current route, updated on every hash change (links, Back, Forward). */
export function useRoute(): Route {
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const update = () => setRoute(read());
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}

export function Link(props: { to: string; children: ReactNode; className?: string }) {
  return (
    <a href={props.to} className={props.className}>
      {props.children}
    </a>
  );
}
