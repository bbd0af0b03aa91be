import { Badge, bytes, Card, count, Empty, Stat, Stats } from '@zra/ui';
import type { RideStatus, Status } from '../api.tsx';
import { Ago, centralAdvice, gatewayAdvice, scheduleText, tone, type AppTone } from '../format.tsx';
import { href, Link } from '../router.tsx';
import { keptAction, keptOf, rideState } from './ride-state.tsx';

function RideCard({ ride, status }: { ride: RideStatus; status: Status }) {
  const kept = keptOf(status, ride.id);
  // The file of another park first: it is what makes the ride red.
  const newest = kept.find((d) => d.reasonCode === 'park_mismatch') ?? kept[0];
  const state = rideState(ride, status);
  const zone = status.timeZone;
  const central = status.global.drops.filter((d) => d.ride === ride.id);
  const processed = central.filter((d) => d.state === 'processed').length;
  const failed = central.filter((d) => d.state === 'failed');
  const error =
    ride.hostKey.state === 'changed'
      ? `The gateway presented ${ride.hostKey.presented ?? 'another key'} instead of ${ride.hostKey.pinned ?? 'the pinned key'}. Pulling is stopped.`
      : ride.lastError;
  return (
    <article className="card ride-card" aria-label={`Ride ${ride.id}`}>
      <header className="card-head">
        <h3>{ride.id}</h3>
        <Badge tone={tone(state.tone)}>{state.words}</Badge>
      </header>
      <dl className="facts">
        <dt>Last pull</dt>
        <dd>
          <Ago iso={ride.lastPullAt} zone={zone} never="not yet" />
        </dd>
        <dt>Next pull</dt>
        <dd>
          <Ago iso={ride.nextPullAt} zone={zone} never="not scheduled" />
        </dd>
        <dt>Buffered (last pull)</dt>
        <dd>{ride.lastResult ? count(ride.lastResult.buffered, 'new drop') : '—'}</dd>
        <dt>At central</dt>
        <dd>
          {count(central.length, 'drop')}, {processed} processed
          {failed.length ? `, ${failed.length} failed` : ''}
        </dd>
        <dt>Schedule</dt>
        <dd>{scheduleText(ride.scheduleInWords, zone)}</dd>
      </dl>
      {error ? (
        <div className="problem" role="status">
          <p>
            <strong>Problem:</strong> {error}
          </p>
          <p>
            <strong>What to do:</strong>{' '}
            {ride.hostKey.state === 'unconfirmed' || ride.hostKey.state === 'changed'
              ? 'Open Rides, compare the fingerprint with the one the gateway supplier gave you, then accept it.'
              : gatewayAdvice(error)}{' '}
            <Link to={href('rides', { ride: ride.id })}>Open this ride</Link>
          </p>
        </div>
      ) : null}
      {newest ? (
        <div
          className={newest.reasonCode === 'park_mismatch' ? 'problem' : 'problem attention'}
          role="status"
          aria-label={`Drops of ride ${ride.id} kept aside`}
        >
          <p>
            <strong>Kept aside:</strong> {count(kept.length, 'file')} of this ride, not uploaded.
            {newest === kept[0] ? ' Newest: ' : ' Among them: '}
            <span className="mono">{newest.fileName}</span>: {newest.reason ?? 'no reason recorded'}
          </p>
          <p>
            <strong>What to do:</strong> {keptAction(newest)}
          </p>
          <Link to={href('drops', { ride: ride.id })}>
            Review {count(kept.length, 'file')} in Drops
          </Link>
        </div>
      ) : null}
      {failed[0] ? (
        <div
          className="problem attention"
          role="status"
          aria-label={`Drops of ride ${ride.id} failed at central`}
        >
          <p>
            <strong>Failed at central:</strong> {count(failed.length, 'drop')}. Newest:{' '}
            <span className="mono">{failed[0].fileName}</span>
            {failed[0].error?.reason ? `: ${failed[0].error.reason}` : ''}
          </p>
          <p>
            <strong>What to do:</strong> nothing here: the drop is safe at central, and Zamperla
            sees the failure in its dashboard and processes it again once fixed.
          </p>
        </div>
      ) : null}
    </article>
  );
}

function CentralCard({ status }: { status: Status }) {
  const { central } = status;
  const zone = status.timeZone;
  const [t, words]: [AppTone, string] =
    central.state === 'online'
      ? ['ok', 'Online']
      : central.state === 'offline'
        ? ['failing', 'Offline']
        : ['neutral', 'Not contacted yet'];
  return (
    <Card label="Link to central">
      <header className="card-head">
        <h3>Link to central</h3>
        <Badge tone={tone(t)}>{words}</Badge>
      </header>
      <dl className="facts">
        <dt>Last contact</dt>
        <dd>
          <Ago iso={central.lastContactAt} zone={zone} />
        </dd>
        {central.state === 'offline' ? (
          <>
            <dt>Offline since</dt>
            <dd>
              <Ago iso={central.offlineSince} zone={zone} />
            </dd>
            <dt>Next try</dt>
            <dd>
              {central.nextAttemptAt && Date.parse(central.nextAttemptAt) > Date.now() ? (
                <Ago iso={central.nextAttemptAt} zone={zone} />
              ) : (
                'now'
              )}
            </dd>
          </>
        ) : null}
      </dl>
      {central.lastError ? (
        <div className="problem" role="status">
          <p>
            <strong>Problem:</strong> {central.lastError}
          </p>
          <p>
            <strong>What to do:</strong> {centralAdvice(central.lastError)} Drops stay safely in the
            buffer meanwhile. <Link to={href('settings')}>Open Settings</Link>
          </p>
        </div>
      ) : null}
    </Card>
  );
}

export function Overview({ status }: { status: Status }) {
  const { buffer, backlog, central } = status;
  const zone = status.timeZone;
  const used = buffer.maxBytes > 0 ? Math.min(1, buffer.bytes / buffer.maxBytes) : 0;
  const gauge: AppTone = buffer.pullPausedReason ? 'failing' : used > 0.8 ? 'attention' : 'ok';
  const waiting = status.drops.buffered + status.drops.uploading;
  const keptCount = status.quarantined.length + status.rejected.length;
  const failedAtCentral = status.global.drops.filter((d) => d.state === 'failed').length;
  return (
    <>
      <div className="summary">
        <CentralCard status={status} />
        <Card label="Buffer">
          <header className="card-head">
            <h3>Buffer on this computer</h3>
            <Badge tone={tone(gauge)}>{Math.round(used * 100)} % used</Badge>
          </header>
          <meter
            className={`gauge gauge-${gauge}`}
            aria-label="Buffer use"
            min={0}
            max={100}
            value={Math.round(used * 100)}
          />
          <p className="gauge-text">
            {bytes(buffer.bytes)} of {bytes(buffer.maxBytes)}: {bytes(buffer.waitingBytes)} waiting
            for central, {bytes(buffer.acknowledgedBytes)} already at central,{' '}
            {bytes(buffer.keptBytes)} kept aside.
          </p>
          {buffer.pullPausedReason ? (
            <p className="problem">
              <strong>Pulling is paused:</strong> {buffer.pullPausedReason}
            </p>
          ) : null}
        </Card>
        <Card label="Backlog">
          <header className="card-head">
            <h3>Waiting for upload</h3>
            <Badge
              tone={tone(
                backlog.drops === 0 ? 'ok' : central.state === 'offline' ? 'failing' : 'neutral',
              )}
            >
              {count(backlog.drops, 'drop')}
            </Badge>
          </header>
          <Stats>
            <Stat label="Size" value={bytes(backlog.bytes)} />
            <Stat
              label="Oldest waiting since"
              text
              value={<Ago iso={backlog.oldestPulledAt} zone={zone} never="nothing waiting" />}
            />
          </Stats>
          <p className="muted">
            {waiting} to send, {status.drops.acknowledged} sent, {status.drops.quarantined}{' '}
            quarantined.
          </p>
          {keptCount > 0 ? (
            <Link to={href('drops')}>Review {count(keptCount, 'drop')} kept aside</Link>
          ) : null}
          {failedAtCentral > 0 ? (
            <p>
              <Link to={href('drops')}>{count(failedAtCentral, 'drop')} failed at central</Link>
            </p>
          ) : null}
        </Card>
      </div>
      <h2 className="section-title">Rides</h2>
      {status.rides.length === 0 ? (
        <Empty>
          <p>
            No rides yet. Open <em>Rides</em> and add the first one: the agent then pulls its drops
            from the gateway. <Link to={href('rides')}>Add a ride</Link>
          </p>
        </Empty>
      ) : (
        <div className="ride-grid">
          {status.rides.map((r) => (
            <RideCard key={r.id} ride={r} status={status} />
          ))}
        </div>
      )}
    </>
  );
}
