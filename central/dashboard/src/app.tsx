import { Empty, Field, Page, UiConfigProvider, type UiConfig } from '@zra/ui';
import { useEffect, useState, type FormEvent } from 'react';
import {
  api,
  describeFailure,
  errorCode,
  maybeSignedIn,
  onSignedOut,
  rememberSession,
  type Session,
  type Viewer,
} from './api.ts';
import { AccountPage } from './pages/account-page.tsx';
import { AdminPage } from './pages/admin-page.tsx';
import { AuditLogPage } from './pages/audit-log-page.tsx';
import { CentralPullPage } from './pages/central-pull-page.tsx';
import { DropPage } from './pages/drop-page.tsx';
import { FleetPage } from './pages/fleet-page.tsx';
import { JobsPage } from './pages/jobs-page.tsx';
import { ParkPage } from './pages/park-page.tsx';
import { ReportsPage } from './pages/reports-page.tsx';
import { RidePage } from './pages/ride-page.tsx';
import { Link, navigate, useLocation } from './router.tsx';

const UI_CONFIG: UiConfig = { describeError: describeFailure, pollMs: 5000 };

function Login(props: { onSession: (s: Session) => void; notice: string | null }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    api.auth.login.mutate({ username, password }).then(
      (session) => {
        setBusy(false);
        props.onSession(session);
      },
      (err: unknown) => {
        setBusy(false);
        setError(
          errorCode(err) === 'UNAUTHORIZED'
            ? 'Wrong username or password. Check both and try again; an admin can reset a forgotten password.'
            : describeFailure(err),
        );
      },
    );
  };
  return (
    <main className="login">
      <form className="card login-card" onSubmit={submit} aria-label="Sign in">
        <h1>Zamperla Ride Analytics</h1>
        <p className="muted">Sign in to see the fleet.</p>
        {props.notice ? <p className="banner banner-info">{props.notice}</p> : null}
        <Field label="Username">
          <input
            name="username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            autoComplete="username"
            required
          />
        </Field>
        <Field label="Password">
          <input
            name="password"
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="current-password"
            required
          />
        </Field>
        {error ? (
          <p className="banner banner-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

const NAV = [
  ['/', 'Fleet'],
  ['/jobs', 'Jobs'],
  ['/reports', 'Reports'],
  ['/central-pull', 'Central pull'],
  ['/admin', 'Admin'],
] as const;

function Screen(props: { path: string; query: URLSearchParams; viewer: Viewer }) {
  const { path, viewer } = props;
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return <FleetPage />;
  if (parts[0] === 'parks' && parts[1] && parts[2] === 'rides' && parts[3] && parts.length === 4) {
    return <RidePage park={parts[1]} ride={parts[3]} />;
  }
  if (parts[0] === 'parks' && parts[1] && parts.length === 2) return <ParkPage park={parts[1]} />;
  if (parts[0] === 'drops' && parts[1] && parts.length === 2) {
    return <DropPage batchId={parts[1]} viewer={viewer} />;
  }
  if (path === '/jobs') {
    return <JobsPage viewer={viewer} subject={props.query.get('subject')} />;
  }
  if (path === '/reports') return <ReportsPage viewer={viewer} />;
  if (path === '/admin') return <AdminPage viewer={viewer} />;
  if (path === '/admin/audit-log') return <AuditLogPage viewer={viewer} />;
  if (path === '/central-pull') return <CentralPullPage viewer={viewer} />;
  if (path === '/account') return <AccountPage viewer={viewer} />;
  return (
    <Page title="Not found">
      <Empty>
        <p>There is no page at {path}.</p>
        <p>
          Go back to the <Link to="/">fleet overview</Link>.
        </p>
      </Empty>
    </Page>
  );
}

export function App() {
  const { path, query } = useLocation();
  const [session, setSession] = useState<Session | null>(null);
  const [checking, setChecking] = useState(maybeSignedIn());
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    // Only a tab that signed in before asks; a fresh visit goes straight to the login form.
    if (!maybeSignedIn()) return;
    api.auth.me.query().then(
      (s) => {
        rememberSession(s);
        setSession(s);
        setChecking(false);
      },
      () => {
        rememberSession(null);
        setChecking(false);
      },
    );
  }, []);

  useEffect(
    () =>
      onSignedOut(() => {
        rememberSession(null);
        setSession(null);
        setNotice('Your session ended. Sign in again to go on.');
      }),
    [],
  );

  if (checking) return <p className="muted center">Loading…</p>;
  if (!session) {
    return (
      <Login
        notice={notice}
        onSession={(s) => {
          rememberSession(s);
          setNotice(null);
          setSession(s);
        }}
      />
    );
  }
  const viewer: Viewer = { username: session.user.username, role: session.user.role };
  const active = (to: string) =>
    to === '/'
      ? path === '/' || path.startsWith('/parks') || path.startsWith('/drops')
      : path.startsWith(to);
  return (
    <UiConfigProvider config={UI_CONFIG}>
      <div className="shell">
        <a className="skip" href="#main">
          Skip to content
        </a>
        <header className="topbar">
          <span className="brand">Zamperla Ride Analytics</span>
          <nav aria-label="Main">
            {NAV.filter(([to]) => to !== '/admin' || viewer.role === 'admin').map(([to, label]) => (
              <Link key={to} to={to} className={active(to) ? 'nav active' : 'nav'}>
                {label}
              </Link>
            ))}
          </nav>
          <div className="topbar-end">
            <Link to="/account" className={active('/account') ? 'nav who active' : 'nav who'}>
              {viewer.username} ({viewer.role})
            </Link>
            <button
              type="button"
              className="button small"
              onClick={() => {
                void api.auth.logout.mutate().finally(() => {
                  rememberSession(null);
                  setSession(null);
                  navigate('/');
                });
              }}
            >
              Sign out
            </button>
          </div>
        </header>
        <main id="main" tabIndex={-1}>
          <Screen path={path} query={query} viewer={viewer} />
        </main>
      </div>
    </UiConfigProvider>
  );
}
