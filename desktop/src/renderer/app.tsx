import { Badge, Banner, Page, UiConfigProvider, usePoll, zoneNote, type UiConfig } from '@zra/ui';
import { timeZoneMismatch } from '../common/park-time-zone.ts';
import { worstState } from '../common/worst-state.ts';
import { reportFileName } from '../common/report-file-name.ts';
import type { Api, Status } from './api.tsx';
import { describeError, downloadReport, downloadReportOverIpc, insideElectron } from './api.tsx';
import { tone } from './format.tsx';
import { href, Link, SCREENS, useRoute, type ScreenPath } from './router.tsx';
import { Activity } from './screens/activity.tsx';
import { Drops } from './screens/drops.tsx';
import { Overview } from './screens/overview.tsx';
import { Reports } from './screens/reports.tsx';
import { Rides } from './screens/rides.tsx';
import { SettingsScreen } from './screens/settings.tsx';

/** How often the screens refresh from the agent (a local call, so often). */
const UI_CONFIG: UiConfig = { describeError, pollMs: 2000 };

/**
 * Where the header's badge leads: the screen where the worst problem is shown and fixed (a
 * failing ride's card in Rides, the central address in Settings, kept drops in Drops).
 */
export function problemLink(status: Status): string | null {
  const failingRide = status.rides.find(
    (r) => r.lastError || r.pausedReason || r.hostKey.state === 'changed',
  );
  if (failingRide) return href('rides', { ride: failingRide.id });
  const otherPark = status.quarantined.find((d) => d.reasonCode === 'park_mismatch');
  if (otherPark) return href('drops');
  if (status.central.state === 'offline') return href('settings');
  if (status.buffer.pullPausedReason) return href('settings');
  const waitingKey = status.rides.find((r) => r.hostKey.state === 'unconfirmed');
  if (waitingKey) return href('rides', { ride: waitingKey.id });
  if (status.rides.length === 0) return href('rides');
  if (
    status.quarantined.length ||
    status.rejected.length ||
    status.global.drops.some((d) => d.state === 'failed') ||
    status.global.error
  ) {
    return href('drops');
  }
  if (timeZoneMismatch(status)) return href('settings');
  return null;
}

/** The page's note on its times: whose clock they are on, and whether that is the park's. */
function timesNote(status: Status): string {
  const zones = timeZoneMismatch(status);
  const whose = zones
    ? `this agent's setting; central has the park in ${zones.park}`
    : status.global.standing
      ? "the park's"
      : "this agent's setting; central has not said the park's yet";
  return `${zoneNote(status.timeZone, whose)} Exact times show when you point at a relative one.`;
}

/** The agent's zone is not central's for the park: say what it moves and how to fix it. */
function TimeZoneBanner({ status }: { status: Status }) {
  const zones = timeZoneMismatch(status);
  if (!zones) return null;
  return (
    <Banner tone="warn" title="This agent's time zone is not the park's">
      <p>
        The rides' pull times are read in {zones.agent} and this app shows {zones.agent} times, but
        central has the park in {zones.park}, and its reports count {zones.park} days.
      </p>
      <p>
        Set the time zone to {zones.park} in <Link to={href('settings')}>Settings</Link>; if the
        park really is in {zones.agent}, ask Zamperla to correct the park's time zone at central.
      </p>
    </Banner>
  );
}

function StatusBadge({ status }: { status: Status | undefined }) {
  if (!status) return <Badge tone="idle">connecting…</Badge>;
  const overall = worstState(status);
  const to = problemLink(status);
  const badge = (
    <Badge tone={tone(overall.tone)} title={overall.reasons.join('\n')}>
      {overall.words}
      {overall.reasons[0] ? `: ${overall.reasons[0]}` : ''}
      {overall.reasons.length > 1 ? ` (+${overall.reasons.length - 1})` : ''}
    </Badge>
  );
  return to ? (
    <a
      href={to}
      className="status-link"
      aria-label={`Status: ${overall.words}. Show what is wrong`}
    >
      {badge}
    </a>
  ) : (
    badge
  );
}

function Shell({ api, token }: { api: Api; token: string | null }) {
  const route = useRoute();
  const polled = usePoll(() => api.status.query(), 'status');
  const status = polled.data;
  const openReport = (r: Status['global']['reports'][number]): Promise<void> => {
    if (!status) return Promise.resolve();
    const zone = status.global.standing?.today.timezone ?? status.timeZone;
    const name = reportFileName({ park: status.park, ride: r.ride, period: r.period }, zone);
    return insideElectron()
      ? downloadReportOverIpc(api, r.id, name)
      : downloadReport(token, r.id, name);
  };
  const screen: ScreenPath | null = route.screen;
  const title = SCREENS.find(([p]) => p === screen)?.[1] ?? 'Not found';
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">
          Park agent{status ? <span className="park"> · {status.park}</span> : null}
        </span>
        <nav aria-label="Screens">
          {SCREENS.map(([p, label]) => (
            <Link key={label} to={href(p)} className={p === screen ? 'nav active' : 'nav'}>
              <span aria-current={p === screen ? 'page' : undefined}>{label}</span>
            </Link>
          ))}
        </nav>
        <div className="topbar-end">
          <StatusBadge status={status} />
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {polled.error ? (
          <Banner tone="error" title="The agent does not answer">
            <p>{polled.error}</p>
            {status ? <p>Showing what it said last.</p> : null}
          </Banner>
        ) : null}
        {!status ? null : screen === null ? (
          <Page title="Not found">
            <p>
              There is no screen at this address. Go to the <Link to={href('')}>Overview</Link>.
            </p>
          </Page>
        ) : (
          <Page title={title} note={timesNote(status)}>
            <TimeZoneBanner status={status} />
            {screen === '' && <Overview status={status} />}
            {screen === 'rides' && (
              <Rides
                api={api}
                status={status}
                focus={route.query.get('ride')}
                reload={polled.reload}
              />
            )}
            {screen === 'drops' && <Drops api={api} status={status} reload={polled.reload} />}
            {screen === 'reports' && <Reports api={api} status={status} onOpen={openReport} />}
            {screen === 'settings' && <SettingsScreen api={api} status={status} />}
            {screen === 'activity' && <Activity api={api} status={status} query={route.query} />}
          </Page>
        )}
      </main>
    </div>
  );
}

export function App({
  api,
  token,
  missingToken,
}: {
  api: Api;
  token: string | null;
  missingToken: boolean;
}) {
  return (
    <UiConfigProvider config={UI_CONFIG}>
      {missingToken ? (
        <main id="main">
          <Banner tone="error" title="This page needs the agent's access link">
            <p>
              The page was opened without its local access token, so the agent refuses to answer.
            </p>
            <p>
              What to do: open the agent's <span className="mono">open-ui.html</span> in its data
              folder (the agent says where when it starts), or restart the agent.
            </p>
          </Banner>
        </main>
      ) : (
        <Shell api={api} token={token} />
      )}
    </UiConfigProvider>
  );
}
