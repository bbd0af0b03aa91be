import { useCallback, useEffect, useState } from 'react';
import type { Api, Status } from './api.tsx';
import { downloadReport, downloadReportOverIpc, errorText, insideElectron } from './api.tsx';
import { worstState } from '../common/worst-state.ts';
import { Badge, Problem } from './ui.tsx';
import { Overview } from './screens/overview.tsx';
import { Rides } from './screens/rides.tsx';
import { Drops } from './screens/drops.tsx';
import { Reports } from './screens/reports.tsx';
import { SettingsScreen } from './screens/settings.tsx';
import { Activity } from './screens/activity.tsx';

const SCREENS = ['Overview', 'Rides', 'Drops', 'Reports', 'Settings', 'Activity'] as const;
type Screen = (typeof SCREENS)[number];

/** How often the screens refresh from the agent. */
const POLL_MS = 2000;

export function App({
  api,
  token,
  missingToken,
}: {
  api: Api;
  token: string | null;
  missingToken: boolean;
}) {
  const [screen, setScreen] = useState<Screen>('Overview');
  const [status, setStatus] = useState<Status | null>(null);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    try {
      setStatus(await api.status.query());
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  }, [api]);

  useEffect(() => {
    if (missingToken) return;
    void refresh();
    const timer = setInterval(() => void refresh(), POLL_MS);
    return () => clearInterval(timer);
  }, [refresh, missingToken]);

  const [pdfError, setPdfError] = useState<string | null>(null);
  const openReport = (id: string) => {
    setPdfError(null);
    (insideElectron() ? downloadReportOverIpc(api, id) : downloadReport(token, id)).catch(
      (err: unknown) => setPdfError(errorText(err)),
    );
  };

  const overall = status ? worstState(status) : null;
  return (
    <div className="shell">
      <header className="topbar">
        <h1>Park agent{status ? <span className="park"> · {status.park}</span> : null}</h1>
        {overall ? (
          <Badge tone={overall.tone}>{overall.words}</Badge>
        ) : (
          <Badge tone="neutral">connecting…</Badge>
        )}
      </header>
      <nav className="tabs" aria-label="Screens">
        {SCREENS.map((s) => (
          <button
            key={s}
            type="button"
            className={s === screen ? 'tab tab-current' : 'tab'}
            aria-current={s === screen ? 'page' : undefined}
            onClick={() => setScreen(s)}
          >
            {s}
          </button>
        ))}
      </nav>
      <main className="content">
        {missingToken ? (
          <Problem
            title="This page needs the agent's access link"
            message="The page was opened without its local access token, so the agent refuses to answer."
            action="Open the link the agent printed when it started (http://127.0.0.1:<port>/#token=…), or restart the agent to get a new one."
          />
        ) : error ? (
          <Problem
            title="The agent does not answer"
            message={error}
            action="Check that the park agent is running on this computer; this page retries every 2 seconds."
          />
        ) : null}
        {status ? (
          <>
            {screen === 'Overview' && <Overview status={status} onNavigate={setScreen} />}
            {screen === 'Rides' && <Rides api={api} status={status} refresh={refresh} />}
            {screen === 'Drops' && <Drops api={api} status={status} refresh={refresh} />}
            {screen === 'Reports' && (
              <>
                {pdfError ? (
                  <Problem
                    title="The report could not be opened"
                    message={pdfError}
                    action="Check the link to central on the Overview, then try again."
                  />
                ) : null}
                <Reports api={api} status={status} onOpen={openReport} />
              </>
            )}
            {screen === 'Settings' && <SettingsScreen api={api} />}
            {screen === 'Activity' && <Activity api={api} version={status} />}
          </>
        ) : null}
      </main>
    </div>
  );
}

export type { Screen };
