import { duration, StateBadge, Table, whenZoned } from '@zra/ui';
import type { Outputs } from '../api.ts';
import { Link, to } from '../router.tsx';

type Run = Outputs['dashboard']['jobRuns']['runs'][number];

const JOB_WORDS: Record<Run['type'], string> = {
  postprocess: 'post-processing',
  report: 'report',
  download: 'download from the gateway',
};

/**
 * Job runs: `#` numbers every run of the subject, requeues included; the attempt is the
 * worker's count within the current round. Each run links to its drop (or report).
 */
export function JobRunsTable(props: { runs: Run[]; label: string; showSubject: boolean }) {
  return (
    <Table label={props.label}>
      <thead>
        <tr>
          <th scope="col">Run</th>
          {props.showSubject ? <th scope="col">Job</th> : null}
          <th scope="col">Worker</th>
          <th scope="col">Started</th>
          <th scope="col" className="num">
            Took
          </th>
          <th scope="col">Outcome</th>
        </tr>
      </thead>
      <tbody>
        {props.runs.map((r) => (
          <tr key={r.id} id={`run-${r.id}`} data-run={r.id}>
            <td>
              #{r.number}
              <div className="sub">attempt {r.attempt}</div>
            </td>
            {props.showSubject ? (
              <td className="wrap">
                {r.type === 'postprocess' ? (
                  <Link to={to.drop(r.subject)}>{r.subjectName ?? r.subject}</Link>
                ) : r.type === 'download' ? (
                  <Link to={to.centralPull}>{r.subjectName ?? r.subject}</Link>
                ) : (
                  <Link to="/reports">report {r.subjectName ?? r.subject}</Link>
                )}
                <div className="sub">{JOB_WORDS[r.type]}</div>
              </td>
            ) : null}
            <td className="mono wrap">{r.worker}</td>
            <td>{whenZoned(r.startedAt, r.timezone ?? 'UTC')}</td>
            <td className="num">{duration(r.durationS)}</td>
            <td className="wrap">
              <StateBadge state={r.outcome} />
              {r.error ? <div className="sub">{r.error}</div> : null}
            </td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
