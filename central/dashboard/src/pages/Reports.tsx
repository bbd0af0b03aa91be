import { useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { when } from '../format.ts';
import { reportFailure, usePoll } from '../poll.ts';
import { Badge, Empty, ErrorBanner, Loading, Page, StateBadge, type Viewer } from '../ui.tsx';
import { ActionButton } from './Jobs.tsx';

/** Midnight UTC of a `yyyy-mm-dd` date input, as the API's ISO instant. */
function isoDay(date: string): string {
  return `${date}T00:00:00Z`;
}

function dateInput(offsetDays: number): string {
  return new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

function GenerateReport(props: { parks: { id: string; name: string }[]; done: () => void }) {
  const [park, setPark] = useState(props.parks[0]?.id ?? '');
  const [ride, setRide] = useState('');
  const chosenPark = park || (props.parks[0]?.id ?? '');
  const rides = usePoll(
    () =>
      chosenPark
        ? api.dashboard.park.query({ park: chosenPark, days: 1 }).then((d) => d.rides)
        : Promise.resolve([]),
    `report-rides:${chosenPark}`,
  );
  const [from, setFrom] = useState(dateInput(-7));
  const [to, setTo] = useState(dateInput(1));
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setMessage(null);
    api.admin.requestReport
      .mutate({
        park: chosenPark,
        ...(ride ? { ride } : {}),
        from: isoDay(from),
        to: isoDay(to),
      })
      .then(
        () => {
          setBusy(false);
          setMessage({
            ok: true,
            text: 'Report queued: it appears below and is ready in a minute or two.',
          });
          props.done();
        },
        (err: unknown) => {
          setBusy(false);
          setMessage({ ok: false, text: reportFailure(err) });
        },
      );
  };
  return (
    <form className="card form-row" onSubmit={submit} aria-label="Generate a report">
      <h2>Generate a report now</h2>
      <label>
        Park
        <select
          value={chosenPark}
          onChange={(e) => {
            setPark(e.target.value);
            setRide('');
          }}
          required
        >
          {props.parks.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Ride
        <select value={ride} onChange={(e) => setRide(e.target.value)}>
          <option value="">Whole park</option>
          {(rides.data ?? []).map((r) => (
            <option key={r.id} value={r.id}>
              {r.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        From (00:00 UTC)
        <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} required />
      </label>
      <label>
        To (exclusive, 00:00 UTC)
        <input type="date" value={to} onChange={(e) => setTo(e.target.value)} required />
      </label>
      <button type="submit" className="button primary" disabled={busy || props.parks.length === 0}>
        {busy ? 'Queueing…' : 'Generate'}
      </button>
      {message ? (
        <p className={message.ok ? 'banner banner-ok' : 'banner banner-error'} role="status">
          {message.text}
        </p>
      ) : null}
    </form>
  );
}

/** The schedule: which reports central builds by itself, and (for admins) switching them. */
function Rules(props: { admin: boolean }) {
  const rules = usePoll(() => api.dashboard.reportRules.query(), 'report-rules');
  if (!rules.data) return rules.error ? <ErrorBanner error={rules.error} /> : <Loading />;
  if (rules.data.rules.length === 0) {
    return (
      <Empty>
        <p>No schedule rules: reports are built only on demand.</p>
        <p>
          An admin adds one with{' '}
          <code>central report rule add --park P --cron EXPR --period day</code>.
        </p>
      </Empty>
    );
  }
  return (
    <table className="table" aria-label="Schedule rules">
      <thead>
        <tr>
          <th scope="col">Scope</th>
          <th scope="col">When (cron, park time)</th>
          <th scope="col">Period</th>
          <th scope="col">State</th>
          {props.admin ? <th scope="col">Action</th> : null}
        </tr>
      </thead>
      <tbody>
        {rules.data.rules.map((r) => (
          <tr key={r.id}>
            <td>
              {r.park}
              {r.ride ? ` / ${r.ride}` : ' (whole park)'}
            </td>
            <td>
              <span className="mono">{r.cron}</span>
              <div className="sub">{r.timezone}</div>
            </td>
            <td>
              {r.period} · {r.language === 'it' ? 'Italiano' : 'English'}
            </td>
            <td>
              {r.enabled ? <Badge tone="ok">enabled</Badge> : <Badge tone="idle">disabled</Badge>}
            </td>
            {props.admin ? (
              <td>
                <ActionButton
                  label={r.enabled ? 'Disable' : 'Enable'}
                  busyLabel="Saving…"
                  run={() =>
                    api.admin.setReportRuleEnabled.mutate({ ruleId: r.id, enabled: !r.enabled })
                  }
                  done={rules.reload}
                />
              </td>
            ) : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Reports(props: { viewer: Viewer }) {
  const reports = usePoll(() => api.dashboard.reports.query({ limit: 50 }), 'reports');
  const fleet = usePoll(() => api.dashboard.fleet.query(), 'fleet');
  const list = reports.data?.reports;
  return (
    <Page title="Reports">
      <ErrorBanner error={reports.error} />
      {props.viewer.role === 'admin' && fleet.data ? (
        <GenerateReport parks={fleet.data.parks} done={reports.reload} />
      ) : null}
      {!list ? (
        <Loading />
      ) : list.length === 0 ? (
        <Empty>
          <p>No reports yet.</p>
          <p>Reports are built by the schedule rules of each park, or on demand by an admin.</p>
        </Empty>
      ) : (
        <table className="table" aria-label="Reports">
          <thead>
            <tr>
              <th scope="col">Report</th>
              <th scope="col">Period</th>
              <th scope="col">Requested</th>
              <th scope="col">State</th>
              <th scope="col">Files</th>
            </tr>
          </thead>
          <tbody>
            {list.map((r) => (
              <tr key={r.id} data-report={r.id}>
                <td>
                  {r.park}
                  {r.ride ? ` / ${r.ride}` : ' (whole park)'}
                  <div className="sub">{r.language === 'it' ? 'Italiano' : 'English'}</div>
                </td>
                <td>
                  {when(r.period.start)} – {when(r.period.end)}
                </td>
                <td>{when(r.requestedAt)}</td>
                <td className="wrap">
                  <StateBadge state={r.state} />
                  {r.error ? <div className="sub">{r.error}</div> : null}
                </td>
                <td>
                  {r.files ? (
                    <span className="links">
                      <a href={r.files.pdf} download>
                        PDF
                      </a>
                      <a href={r.files.html} target="_blank" rel="noopener noreferrer">
                        HTML
                      </a>
                    </span>
                  ) : (
                    <span className="muted">not ready</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Schedule</h2>
      <Rules admin={props.viewer.role === 'admin'} />
    </Page>
  );
}
