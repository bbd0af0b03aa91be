import { ActionButton, Badge, Banner, bytes, Empty, Loading, Table, type Tone } from '@zra/ui';
import { useCallback, useEffect, useState } from 'react';
import type { Api, Outputs } from '../api.tsx';
import { describeError } from '../api.tsx';
import { Ago } from '../format.tsx';
import { CENTRAL_WORDS } from './central-words.tsx';

type DropItem = Outputs['drops']['list']['drops'][number];
type Filter = '' | 'buffered' | 'uploading' | 'acknowledged' | 'quarantined' | 'rejected';

const FILTERS: [Filter, string][] = [
  ['', 'All drops'],
  ['buffered', 'Waiting to upload'],
  ['uploading', 'Uploading'],
  ['acknowledged', 'Uploaded'],
  ['quarantined', 'Invalid here'],
  ['rejected', 'Refused by central'],
];

const UPLOAD_WORDS: Record<DropItem['state'], [Tone, string]> = {
  buffered: ['idle', 'waiting'],
  uploading: ['busy', 'uploading'],
  acknowledged: ['ok', 'uploaded'],
  quarantined: ['warn', 'invalid here'],
  rejected: ['bad', 'refused by central'],
};

const PAGE = 25;

/** A drop a person may send again: refused by central, or whose uploads failed. */
export function retryable(d: Pick<DropItem, 'state' | 'uploadAttempts' | 'lastUploadError'>) {
  return (
    d.state === 'rejected' ||
    ((d.state === 'buffered' || d.state === 'uploading') &&
      (d.uploadAttempts > 0 || d.lastUploadError !== null))
  );
}

/**
 * Every drop in this computer's buffer, newest pull first, in pages, with a state filter:
 * where its upload stands, what central did with it, and a retry for the ones that failed.
 * Reloaded whenever the status changes (`version`), so it follows pulls and uploads.
 */
export function DropTable({
  api,
  version,
  zone,
  onRetried,
}: {
  api: Api;
  version: unknown;
  /** The park's time zone, which the times' tooltips show. */
  zone: string;
  onRetried: (note: string) => void;
}) {
  const [filter, setFilter] = useState<Filter>('');
  const [pages, setPages] = useState(1);
  const [items, setItems] = useState<DropItem[]>([]);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // Until the first answer the list is unknown, not empty.
  const [loaded, setLoaded] = useState(false);

  const load = useCallback(async () => {
    const all: DropItem[] = [];
    let cursor: string | undefined;
    let next: string | null = null;
    for (let i = 0; i < pages; i++) {
      const page = await api.drops.list.query({
        limit: PAGE,
        ...(filter ? { state: filter } : {}),
        ...(cursor ? { cursor } : {}),
      });
      all.push(...page.drops);
      next = page.nextCursor;
      if (!next) break;
      cursor = next;
    }
    return { all, more: next !== null };
  }, [api, filter, pages]);

  useEffect(() => {
    let live = true;
    load()
      .then((r) => {
        if (!live) return;
        setItems(r.all);
        setMore(r.more);
        setLoaded(true);
        setError(null);
      })
      .catch((err: unknown) => {
        if (live) setError(describeError(err));
      });
    return () => {
      live = false;
    };
  }, [load, version]);

  const retry = async (d: DropItem) => {
    await api.drops.retry.mutate({ sha256: d.sha256 });
    onRetried(`${d.fileName} is back in the upload queue.`);
    const r = await load();
    setItems(r.all);
    setMore(r.more);
  };

  return (
    <>
      <div className="section-head">
        <h2 className="section-title">On this computer</h2>
        <label className="inline-field">
          <span>Show</span>
          <select
            value={filter}
            onChange={(e) => {
              setFilter(e.target.value as Filter);
              setPages(1);
            }}
          >
            {FILTERS.map(([value, words]) => (
              <option key={value} value={value}>
                {words}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error ? (
        <Banner tone="error" title="The drops could not be listed">
          {error}
        </Banner>
      ) : null}
      {!loaded ? (
        error ? null : (
          <Loading what="the drops" />
        )
      ) : items.length === 0 ? (
        <Empty>
          <p>
            {filter
              ? 'No drop in this state.'
              : 'No drop pulled yet: pulls run on each ride’s schedule.'}
          </p>
        </Empty>
      ) : (
        <Table label="Drops on this computer" stack>
          <thead>
            <tr>
              <th>File</th>
              <th>Ride</th>
              <th>Size</th>
              <th>Pulled</th>
              <th>Upload</th>
              <th>At central</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((d) => {
              const [upTone, upWords] = UPLOAD_WORDS[d.state];
              const [cTone, cWords]: [Tone, string] = d.central
                ? (CENTRAL_WORDS[d.central.state] ?? ['idle', d.central.state])
                : ['idle', d.centralStatus ? `answered ${d.centralStatus}` : '—'];
              return (
                <tr key={d.sha256}>
                  <td data-label="File" className="mono wrap file">
                    {d.fileName}
                  </td>
                  <td data-label="Ride" className="nowrap">
                    {d.ride}
                  </td>
                  <td data-label="Size" className="nowrap">
                    {bytes(d.bytes)}
                  </td>
                  <td data-label="Pulled" className="nowrap">
                    <Ago iso={d.pulledAt} zone={zone} />
                  </td>
                  <td data-label="Upload">
                    <Badge tone={upTone}>{upWords}</Badge>
                    {d.state === 'quarantined' || d.state === 'rejected' ? (
                      <span className="cell-note"> {d.reason ?? 'no reason recorded'}</span>
                    ) : d.lastUploadError ? (
                      <span className="cell-note">
                        {' '}
                        last try failed ({d.uploadAttempts}×): {d.lastUploadError}
                      </span>
                    ) : null}
                  </td>
                  <td data-label="At central">
                    {d.central || d.centralStatus ? <Badge tone={cTone}>{cWords}</Badge> : '—'}
                    {d.central?.error?.reason ? (
                      <span className="cell-note"> {d.central.error.reason}</span>
                    ) : null}
                  </td>
                  <td className="row-actions">
                    {retryable(d) ? (
                      <ActionButton
                        small
                        label="Retry upload"
                        busyLabel="Retrying…"
                        run={() => retry(d)}
                      />
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </Table>
      )}
      {more ? (
        <div className="row">
          <button type="button" className="button" onClick={() => setPages((p) => p + 1)}>
            Show older drops
          </button>
        </div>
      ) : null}
    </>
  );
}
