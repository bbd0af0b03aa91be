import type { ActivityEntry } from '../activity-log.tsx';
import { when } from '../format.tsx';
import { Badge, Empty, type Tone } from '../ui.tsx';

const KIND: Record<ActivityEntry['kind'], [Tone, string]> = {
  pull: ['ok', 'pull'],
  upload: ['ok', 'upload'],
  error: ['failing', 'problem'],
  central: ['neutral', 'central'],
};

export function Activity({ entries }: { entries: ActivityEntry[] }) {
  return (
    <section aria-labelledby="activity-title">
      <h2 id="activity-title">Activity</h2>
      <p className="lead">
        Pulls, uploads and problems seen while this window is open, newest first. The agent’s log
        file keeps the full history.
      </p>
      {entries.length === 0 ? (
        <Empty>
          Nothing happened yet while this window was open. Pulls run on each ride's schedule.
        </Empty>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>When</th>
              <th>What</th>
              <th>Details</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e, i) => {
              const [tone, words] = KIND[e.kind];
              return (
                <tr key={`${e.at}-${i}`}>
                  <td className="nowrap">{when(e.at)}</td>
                  <td>
                    <Badge tone={tone}>{words}</Badge>
                  </td>
                  <td>{e.text}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
