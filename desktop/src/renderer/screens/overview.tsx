import type { RideStatus, Status } from '../api.tsx';
import type { Screen } from '../app.tsx';
import { bytes, plural, relative, scheduleText, suggestedAction, when } from '../format.tsx';
import { Badge, Empty, type Tone } from '../ui.tsx';

type KeptDrop = Status['quarantined'][number];

function gatewayState(ride: RideStatus, kept: KeptDrop[]): { tone: Tone; words: string } {
  if (ride.hostKey.state === 'changed') return { tone: 'failing', words: 'Host key changed' };
  if (ride.hostKey.state === 'unconfirmed') {
    return { tone: 'attention', words: 'Host key to accept' };
  }
  if (ride.pausedReason) return { tone: 'failing', words: 'Paused: buffer full' };
  if (ride.lastError) return { tone: 'failing', words: 'Last pull failed' };
  if (kept.length > 0) return { tone: 'attention', words: 'Drops kept aside' };
  if (ride.pulling === 'running') return { tone: 'ok', words: 'Pulling now' };
  if (!ride.lastPullAt) return { tone: 'neutral', words: 'Not pulled yet' };
  return { tone: 'ok', words: 'Gateway reached' };
}

/** What to change for a file kept aside: the reason says it; this says where to act. */
function keptAction(d: KeptDrop): string {
  if (d.reasonCode === 'ride_mismatch') {
    return 'Correct the ride id in the PLC export, or this ride’s folder or id in Rides; then open Drops and choose “Check again” on the file (or “Delete” if it does not belong here).';
  }
  if (d.reasonCode === 'park_mismatch') {
    return 'The file comes from another park’s PLC: correct the park id in the PLC export, then “Delete” it in Drops (it is never uploaded here).';
  }
  if (d.reasonCode === 'window_in_future') {
    return 'Set the PLC clock to UTC; the PLC then exports the window again under a new file. Delete this copy in Drops.';
  }
  return 'Have the PLC export fixed as the reason says; then “Check again” or “Delete” the file in Drops. The gateway keeps the file.';
}

function RideCard({
  ride,
  status,
  onNavigate,
}: {
  ride: RideStatus;
  status: Status;
  onNavigate: (s: Screen) => void;
}) {
  // Files of this ride kept aside (quarantined here or refused by central), newest first.
  const kept = [...status.quarantined, ...status.rejected]
    .filter((d) => d.ride === ride.id)
    .sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : -1));
  const newest = kept[0];
  const state = gatewayState(ride, kept);
  const central = status.global.drops.filter((d) => d.ride === ride.id);
  const processed = central.filter((d) => d.state === 'processed').length;
  const uploaded = central.length;
  const error =
    ride.hostKey.state === 'changed'
      ? `The gateway presented ${ride.hostKey.presented ?? 'another key'} instead of ${ride.hostKey.pinned ?? 'the pinned key'}. Pulling is stopped.`
      : ride.hostKey.state === 'unconfirmed'
        ? 'The gateway’s host key has not been accepted yet, so no password or key is sent to it.'
        : ride.lastError;
  return (
    <article className="card ride-card" aria-label={`Ride ${ride.id}`}>
      <header className="card-head">
        <h3>{ride.id}</h3>
        <Badge tone={state.tone}>{state.words}</Badge>
      </header>
      <dl className="facts">
        <dt>Last pull</dt>
        <dd title={when(ride.lastPullAt)}>{relative(ride.lastPullAt)}</dd>
        <dt>Next pull</dt>
        <dd title={when(ride.nextPullAt)}>
          {ride.nextPullAt ? relative(ride.nextPullAt) : 'not scheduled'}
        </dd>
        <dt>Buffered (last pull)</dt>
        <dd>{ride.lastResult ? plural(ride.lastResult.buffered, 'new drop') : '—'}</dd>
        <dt>At central</dt>
        <dd>
          {plural(uploaded, 'drop')}, {processed} processed
        </dd>
        <dt>Schedule</dt>
        <dd>{scheduleText(ride.scheduleInWords, status.timeZone)}</dd>
      </dl>
      {error ? (
        <div className="ride-error" role="status">
          <p>
            <strong>Problem:</strong> {error}
          </p>
          <p>
            <strong>What to do:</strong>{' '}
            {ride.hostKey.state !== 'pinned' && ride.hostKey.state !== 'not_applicable'
              ? 'Open Rides, compare the fingerprint with the one the gateway supplier gave you, then accept it.'
              : suggestedAction(error)}
          </p>
        </div>
      ) : null}
      {newest ? (
        <div
          className="ride-error"
          role="status"
          aria-label={`Drops of ride ${ride.id} kept aside`}
        >
          <p>
            <strong>Kept aside:</strong> {plural(kept.length, 'file')} of this ride, not uploaded.
            Newest: <span className="mono">{newest.fileName}</span>:{' '}
            {newest.reason ?? 'no reason recorded'}
          </p>
          <p>
            <strong>What to do:</strong> {keptAction(newest)}
          </p>
          <button type="button" className="link-button" onClick={() => onNavigate('Drops')}>
            Review {plural(kept.length, 'file')} in Drops
          </button>
        </div>
      ) : null}
    </article>
  );
}

export function Overview({
  status,
  onNavigate,
}: {
  status: Status;
  onNavigate: (s: Screen) => void;
}) {
  const { buffer, backlog, central } = status;
  const used = buffer.maxBytes > 0 ? Math.min(1, buffer.bytes / buffer.maxBytes) : 0;
  const gaugeTone: Tone = buffer.pullPausedReason ? 'failing' : used > 0.8 ? 'attention' : 'ok';
  const waiting = status.drops.buffered + status.drops.uploading;
  return (
    <section aria-labelledby="overview-title">
      <h2 id="overview-title">Overview</h2>
      <div className="summary">
        <article className="card" aria-label="Central link">
          <header className="card-head">
            <h3>Link to central</h3>
            {central.state === 'online' ? (
              <Badge tone="ok">Online</Badge>
            ) : central.state === 'offline' ? (
              <Badge tone="failing">Offline</Badge>
            ) : (
              <Badge tone="neutral">Not contacted yet</Badge>
            )}
          </header>
          <dl className="facts">
            <dt>Last contact</dt>
            <dd title={when(central.lastContactAt)}>{relative(central.lastContactAt)}</dd>
            {central.state === 'offline' ? (
              <>
                <dt>Offline since</dt>
                <dd title={when(central.offlineSince)}>{relative(central.offlineSince)}</dd>
                <dt>Next try</dt>
                <dd>{relative(central.nextAttemptAt)}</dd>
              </>
            ) : null}
          </dl>
          {central.lastError ? (
            <div className="ride-error" role="status">
              <p>
                <strong>Problem:</strong> {central.lastError}
              </p>
              <p>
                <strong>What to do:</strong> {suggestedAction(central.lastError)} Drops stay safely
                in the buffer meanwhile.
              </p>
            </div>
          ) : null}
        </article>
        <article className="card" aria-label="Buffer">
          <header className="card-head">
            <h3>Buffer on this computer</h3>
            <Badge tone={gaugeTone}>{Math.round(used * 100)}% used</Badge>
          </header>
          <div
            className={`gauge gauge-${gaugeTone}`}
            role="meter"
            aria-label="Buffer use"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(used * 100)}
          >
            <div className="gauge-fill" style={{ width: `${Math.max(used * 100, 1)}%` }} />
          </div>
          <p className="gauge-text">
            {bytes(buffer.bytes)} of {bytes(buffer.maxBytes)}: {bytes(buffer.waitingBytes)} waiting
            for central, {bytes(buffer.acknowledgedBytes)} already at central,{' '}
            {bytes(buffer.keptBytes)} kept aside.
          </p>
          {buffer.pullPausedReason ? (
            <p className="ride-error">
              <strong>Pulling is paused:</strong> {buffer.pullPausedReason}
            </p>
          ) : null}
        </article>
        <article className="card" aria-label="Backlog">
          <header className="card-head">
            <h3>Waiting for upload</h3>
            <Badge
              tone={
                backlog.drops === 0 ? 'ok' : central.state === 'offline' ? 'failing' : 'neutral'
              }
            >
              {plural(backlog.drops, 'drop')}
            </Badge>
          </header>
          <dl className="facts">
            <dt>Size</dt>
            <dd>{bytes(backlog.bytes)}</dd>
            <dt>Oldest waiting since</dt>
            <dd title={when(backlog.oldestPulledAt)}>
              {backlog.oldestPulledAt ? relative(backlog.oldestPulledAt) : 'nothing waiting'}
            </dd>
            <dt>In the buffer</dt>
            <dd>
              {waiting} to send, {status.drops.acknowledged} sent, {status.drops.quarantined}{' '}
              quarantined
            </dd>
          </dl>
          {status.quarantined.length + status.rejected.length > 0 ? (
            <button type="button" className="link-button" onClick={() => onNavigate('Drops')}>
              Review {plural(status.quarantined.length + status.rejected.length, 'drop')} kept aside
            </button>
          ) : null}
        </article>
      </div>
      <h2 className="section-title">Rides</h2>
      {status.rides.length === 0 ? (
        <Empty>
          No rides yet. Open <em>Rides</em> and add the first one: the agent then pulls its drops
          from the gateway.{' '}
          <button type="button" className="link-button" onClick={() => onNavigate('Rides')}>
            Add a ride
          </button>
        </Empty>
      ) : (
        <div className="ride-grid">
          {status.rides.map((r) => (
            <RideCard key={r.id} ride={r} status={status} onNavigate={onNavigate} />
          ))}
        </div>
      )}
    </section>
  );
}
