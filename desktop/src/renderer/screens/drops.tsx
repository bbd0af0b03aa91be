import { ActionButton, Badge, Banner, count, Empty, Stat, Stats, Table } from '@zra/ui';
import { useState } from 'react';
import type { Api, Status } from '../api.tsx';
import { Ago } from '../format.tsx';
import { CENTRAL_WORDS } from './central-words.tsx';
import { DropTable } from './drop-table.tsx';

type Kept = Status['quarantined'][number] & { kind: 'quarantined' | 'rejected' };

/** What "Delete" does, said before it is done: the agent's copy only, never the gateway's. */
function deleteQuestion(d: Kept): string {
  return d.kind === 'quarantined'
    ? `Delete the kept copy of ${d.fileName} from this computer? The file stays on the gateway, and the next pulls skip it (it is fetched again only if it changes there).`
    : `Delete ${d.fileName} from this computer? Central refused it, so it is never uploaded; the file stays on the gateway and the next pulls skip it.`;
}

function KeptRow({
  d,
  api,
  zone,
  note,
}: {
  d: Kept;
  api: Api;
  zone: string;
  note: (n: string) => void;
}) {
  return (
    <tr>
      <td data-label="File" className="mono wrap file">
        {d.fileName}
      </td>
      <td data-label="Ride">{d.ride}</td>
      <td data-label="Why">
        <Badge tone="warn">
          {d.kind === 'quarantined' ? 'invalid here' : 'refused by central'}
        </Badge>{' '}
        {d.reason ?? 'no reason recorded'}
      </td>
      <td data-label="Since">
        <Ago iso={d.updatedAt} zone={zone} />
      </td>
      <td className="row-actions">
        {d.kind === 'quarantined' ? (
          <>
            <ActionButton
              small
              label="Check again"
              busyLabel="Checking…"
              run={async () => {
                const r = await api.quarantine.recheck.mutate({ id: d.id });
                note(
                  r.outcome === 'quarantined'
                    ? `${d.fileName} (the kept copy) is still invalid: ${r.reason ?? 'no reason given'}`
                    : r.outcome === 'duplicate'
                      ? `${d.fileName} is valid, and its content was already buffered.`
                      : `${d.fileName} is valid now and will be uploaded.`,
                );
              }}
            />
            <ActionButton
              small
              label="Fetch again from the gateway"
              busyLabel="Fetching…"
              confirm={{
                question: `Delete the kept copy of ${d.fileName} and download the file from the gateway again now? It is checked anew: uploaded if valid, kept aside again if not.`,
                yes: 'Fetch it again',
              }}
              run={async () => {
                const r = await api.quarantine.refetch.mutate({ id: d.id });
                note(
                  r.error
                    ? `${r.fileName}: the pull failed (${r.error}); the next pull fetches it.`
                    : r.state === 'quarantined'
                      ? `${r.fileName} was fetched again and is still invalid: ${r.reason ?? 'no reason given'}`
                      : r.state === null
                        ? `${r.fileName} is no longer on the gateway: nothing was fetched.`
                        : `${r.fileName} was fetched again, is valid and will be uploaded.`,
                );
              }}
            />
          </>
        ) : (
          <ActionButton
            small
            label="Retry upload"
            busyLabel="Retrying…"
            run={async () => {
              await api.drops.retry.mutate({ sha256: d.sha256 });
              note(`${d.fileName} is back in the upload queue.`);
            }}
          />
        )}
        <ActionButton
          small
          variant="danger"
          label="Delete"
          busyLabel="Deleting…"
          confirm={{ question: deleteQuestion(d), yes: 'Delete the copy' }}
          run={async () => {
            await api.quarantine.delete.mutate({ id: d.id });
            note(
              `${d.fileName} deleted from this computer; the gateway keeps its file and it is not pulled again.`,
            );
          }}
        />
      </td>
    </tr>
  );
}

export function Drops({ api, status, reload }: { api: Api; status: Status; reload: () => void }) {
  const [note, setNote] = useState<string | null>(null);
  const zone = status.timeZone;
  const tell = (n: string) => {
    setNote(n);
    reload();
  };
  const kept: Kept[] = [
    ...status.quarantined.map((d) => ({ ...d, kind: 'quarantined' as const })),
    ...status.rejected.map((d) => ({ ...d, kind: 'rejected' as const })),
  ];
  const g = status.global;
  return (
    <>
      <div className="section-head">
        <p className="muted">
          Drops pulled from the rides’ gateways, where their upload stands, and what central did
          with them.
        </p>
        <div className="row">
          <ActionButton
            variant="primary"
            label="Pull all rides now"
            busyLabel="Pulling…"
            run={async () => {
              const r = await api.pullNow.mutate();
              const failed = r.filter((x) => x.error);
              tell(
                failed.length
                  ? `Pulled; ${count(failed.length, 'ride')} failed: ${failed.map((x) => `${x.id}: ${x.error ?? ''}`).join('; ')}`
                  : `Pulled ${count(r.length, 'ride')}; new drops upload by themselves.`,
              );
            }}
          />
          <ActionButton
            label="Ask central again"
            busyLabel="Asking central…"
            run={async () => {
              const v = await api.globalView.refresh.mutate();
              tell(
                v.error
                  ? `Central’s view could not be fetched: ${v.error}`
                  : 'Central’s view is up to date.',
              );
            }}
          />
        </div>
      </div>
      <div className="stats-row">
        <Stats>
          <Stat label="Waiting to upload" value={status.drops.buffered + status.drops.uploading} />
          <Stat label="Uploaded" value={status.drops.acknowledged} />
          <Stat label="Kept aside" value={status.drops.quarantined + status.drops.rejected} />
        </Stats>
      </div>
      {note ? (
        <p className="banner banner-info" role="status">
          {note}
        </p>
      ) : null}

      <h2 className="section-title">Kept aside on this computer</h2>
      {kept.length === 0 ? (
        <Empty>
          <p>No drop is kept aside: every drop pulled so far was valid.</p>
        </Empty>
      ) : (
        <Table label="Kept aside" stack>
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
              <KeptRow key={d.id} d={d} api={api} zone={zone} note={tell} />
            ))}
          </tbody>
        </Table>
      )}

      <DropTable api={api} version={status} zone={zone} onRetried={tell} />

      <h2 className="section-title">At central</h2>
      {g.error ? (
        <Banner tone="warn" title="Central’s view could not be fetched">
          <p>{g.error}</p>
          <p>
            {g.fetchedAt ? (
              <>
                Showing what central said <Ago iso={g.fetchedAt} zone={zone} />.{' '}
              </>
            ) : null}
            The agent asks again by itself; check the central address in Settings if this stays.
          </p>
        </Banner>
      ) : null}
      {g.drops.length === 0 ? (
        <Empty>
          <p>
            {g.fetchedAt
              ? 'Central has no drop from this park yet.'
              : 'Central has not been asked yet.'}
          </p>
        </Empty>
      ) : (
        <Table label="At central" stack>
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
              const [t, words] = CENTRAL_WORDS[d.state] ?? ['idle', d.state];
              return (
                <tr key={d.batchId}>
                  <td data-label="File" className="mono wrap file">
                    {d.fileName}
                  </td>
                  <td data-label="Ride">{d.ride ?? '—'}</td>
                  <td data-label="At central">
                    <Badge tone={t}>{words}</Badge>
                    {d.error?.reason ? <span className="cell-note"> {d.error.reason}</span> : null}
                  </td>
                  <td data-label="Received">
                    <Ago iso={d.receivedAt} zone={zone} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </Table>
      )}
    </>
  );
}
