import { useState } from 'react';
import type { Api, Status } from '../api.tsx';
import { errorText } from '../api.tsx';
import { relative, when } from '../format.tsx';
import { Badge, Empty, Problem } from '../ui.tsx';
import { CENTRAL_WORDS } from './central-words.tsx';
import { DropTable } from './drop-table.tsx';

export function Drops({
  api,
  status,
  refresh,
}: {
  api: Api;
  status: Status;
  refresh: () => Promise<void>;
}) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const run = (what: string, work: () => Promise<string | null>) => {
    setBusy(what);
    setError(null);
    setNote(null);
    work()
      .then((n) => {
        setNote(n);
        return refresh();
      })
      .catch((err: unknown) => setError(errorText(err)))
      .finally(() => setBusy(null));
  };
  const kept = [
    ...status.quarantined.map((d) => ({ ...d, kind: 'quarantined' as const })),
    ...status.rejected.map((d) => ({ ...d, kind: 'rejected' as const })),
  ];
  const g = status.global;
  return (
    <section aria-labelledby="drops-title">
      <div className="section-head">
        <h2 id="drops-title">Drops</h2>
        <div className="actions">
          <button
            type="button"
            className="primary"
            disabled={busy !== null}
            onClick={() =>
              run('pull', async () => {
                const r = await api.pullNow.mutate();
                const failed = r.filter((x) => x.error);
                return failed.length
                  ? `Pulled; ${failed.length} ride(s) failed: ${failed.map((x) => `${x.id}: ${x.error ?? ''}`).join('; ')}`
                  : `Pulled ${r.length} ride(s); new drops upload by themselves.`;
              })
            }
          >
            {busy === 'pull' ? 'Pulling…' : 'Pull all rides now'}
          </button>
          <button
            type="button"
            disabled={busy !== null}
            onClick={() =>
              run('refresh', async () => {
                const v = await api.globalView.refresh.mutate();
                return v.error ? null : 'Central’s view is up to date.';
              })
            }
          >
            {busy === 'refresh' ? 'Asking central…' : 'Ask central again'}
          </button>
        </div>
      </div>
      {note ? (
        <p className="note" role="status">
          {note}
        </p>
      ) : null}
      {error ? <Problem title="That did not work" message={error} /> : null}

      <div className="summary">
        <div className="card stat">
          <span className="stat-number">{status.drops.buffered + status.drops.uploading}</span>
          <span>waiting to upload</span>
        </div>
        <div className="card stat">
          <span className="stat-number">{status.drops.acknowledged}</span>
          <span>uploaded</span>
        </div>
        <div className="card stat">
          <span className="stat-number">{status.drops.quarantined + status.drops.rejected}</span>
          <span>kept aside</span>
        </div>
      </div>

      <h3 className="section-title">Kept aside on this computer</h3>
      {kept.length === 0 ? (
        <Empty>No drop is kept aside: every drop pulled so far was valid.</Empty>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>File</th>
              <th>Ride</th>
              <th>Why</th>
              <th>Since</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {kept.map((d) => (
              <tr key={d.id}>
                <td className="mono">{d.fileName}</td>
                <td>{d.ride}</td>
                <td>
                  <Badge tone="attention">
                    {d.kind === 'quarantined' ? 'invalid here' : 'refused by central'}
                  </Badge>{' '}
                  {d.reason ?? 'no reason recorded'}
                </td>
                <td title={when(d.updatedAt)}>{relative(d.updatedAt)}</td>
                <td className="row-actions">
                  {d.kind === 'quarantined' ? (
                    <button
                      type="button"
                      disabled={busy !== null}
                      onClick={() =>
                        run(`recheck:${d.id}`, async () => {
                          const r = await api.quarantine.recheck.mutate({ id: d.id });
                          return r.outcome === 'quarantined'
                            ? `${d.fileName} is still invalid: ${r.reason ?? 'no reason given'}`
                            : r.outcome === 'duplicate'
                              ? `${d.fileName} is valid, and its content was already buffered.`
                              : `${d.fileName} is valid now and will be uploaded.`;
                        })
                      }
                    >
                      Check again
                    </button>
                  ) : (
                    <button
                      type="button"
                      disabled={busy !== null}
                      onClick={() =>
                        run(`retry:${d.sha256}`, async () => {
                          await api.drops.retry.mutate({ sha256: d.sha256 });
                          return `${d.fileName} is back in the upload queue.`;
                        })
                      }
                    >
                      Retry upload
                    </button>
                  )}
                  <button
                    type="button"
                    className="danger"
                    disabled={busy !== null}
                    onClick={() => {
                      if (
                        window.confirm(
                          `Delete ${d.fileName} from this computer? It will not be pulled again.`,
                        )
                      ) {
                        run(`delete:${d.id}`, async () => {
                          await api.quarantine.delete.mutate({ id: d.id });
                          return `${d.fileName} deleted.`;
                        });
                      }
                    }}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <DropTable
        api={api}
        version={status}
        onRetried={(n) => {
          setNote(n);
          void refresh();
        }}
      />

      <h3 className="section-title">At central</h3>
      {g.error ? (
        <Problem
          title="Central’s view could not be fetched"
          message={g.error}
          action={
            g.fetchedAt
              ? `Showing what central said ${relative(g.fetchedAt)}. The agent asks again by itself.`
              : 'The agent asks again by itself; check Settings if this stays.'
          }
        />
      ) : null}
      {g.drops.length === 0 ? (
        <Empty>
          {g.fetchedAt
            ? 'Central has no drop from this park yet.'
            : 'Central has not been asked yet.'}
        </Empty>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>File</th>
              <th>Ride</th>
              <th>State at central</th>
              <th>Received</th>
            </tr>
          </thead>
          <tbody>
            {g.drops.map((d) => {
              const [tone, words] = CENTRAL_WORDS[d.state] ?? ['neutral', d.state];
              return (
                <tr key={d.batchId}>
                  <td className="mono">{d.fileName}</td>
                  <td>{d.ride ?? '—'}</td>
                  <td>
                    <Badge tone={tone}>{words}</Badge>
                    {d.error?.reason ? <span className="cell-note"> {d.error.reason}</span> : null}
                  </td>
                  <td title={when(d.receivedAt)}>{relative(d.receivedAt)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
