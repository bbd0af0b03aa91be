import {
  Empty,
  ErrorBanner,
  Loading,
  Page,
  periodLabel,
  StateBadge,
  Table,
  usePoll,
  when,
} from '@zra/ui';
import { api, type Viewer } from '../api.ts';
import { LANGUAGE_WORDS } from '../labels.ts';
import { Link, to } from '../router.tsx';
import { ReportRequestForm } from './report-request-form.tsx';
import { ReportRules } from './report-rules.tsx';

export function ReportsPage(props: { viewer: Viewer }) {
  const reports = usePoll(() => api.dashboard.reports.query({ limit: 50 }), 'reports');
  const parkList = usePoll(() => api.dashboard.parks.query(), 'parks');
  const list = reports.data?.reports;
  const parks = parkList.data?.parks ?? [];
  return (
    <Page
      title="Reports"
      note="Periods are shown in each park's time zone: a day is 00:00–24:00 on the park's clock."
    >
      <ErrorBanner error={reports.error ?? parkList.error} />
      {parkList.data ? <ReportRequestForm parks={parks} done={reports.reload} /> : null}
      {!list ? (
        <Loading />
      ) : list.length === 0 ? (
        <Empty>
          <p>No reports yet.</p>
          <p>Reports are built by each park's schedules, or on request above.</p>
        </Empty>
      ) : (
        <Table label="Reports">
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
                  <Link to={to.park(r.park)}>{r.park}</Link>
                  {r.ride ? ` / ${r.ride}` : ' (whole park)'}
                  <div className="sub">{LANGUAGE_WORDS[r.language]}</div>
                </td>
                <td>
                  {periodLabel(r.period, r.timezone)}
                  <div className="sub">{r.timezone} time</div>
                </td>
                <td>{when(r.requestedAt, r.timezone)}</td>
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
        </Table>
      )}
      <h2>Schedules</h2>
      {parkList.data ? (
        <ReportRules admin={props.viewer.role === 'admin'} parks={parks} />
      ) : (
        <Loading />
      )}
    </Page>
  );
}
