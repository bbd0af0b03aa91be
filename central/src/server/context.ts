import type { Logger } from 'pino';
import type { HeartbeatInput, HeartbeatOutput } from '../agents/heartbeat-schemas.ts';
import type {
  BeginInput,
  BeginOutput,
  ChunkInput,
  ChunkOutput,
  CommitInput,
  CommitOutput,
} from '../ingest/ingest-schemas.ts';
import type {
  DropsInput,
  DropsOutput,
  ReportsInput,
  ReportsOutput,
  StandingOutput,
} from '../parks/park-read-schemas.ts';
import type { ParkIdentity } from './park-identity.ts';

/** What the ingest procedures delegate to; the router stays a thin, typed shell. */
export interface IngestService {
  begin(park: ParkIdentity, input: BeginInput): Promise<BeginOutput>;
  chunk(park: ParkIdentity, input: ChunkInput): Promise<ChunkOutput>;
  commit(park: ParkIdentity, input: CommitInput): Promise<CommitOutput>;
}

/** Resolves a bearer token to its park, or null when unknown or revoked. */
export interface ParkAuthenticator {
  parkForToken(token: string): Promise<ParkIdentity | null>;
}

/** Keeps each park's latest agent heartbeat. */
export interface HeartbeatService {
  record(park: ParkIdentity, input: HeartbeatInput): Promise<HeartbeatOutput>;
}

/** What a park may read about itself; every method is bound to the given park. */
export interface ParkReadService {
  drops(park: ParkIdentity, input: DropsInput): Promise<DropsOutput>;
  reports(park: ParkIdentity, input: ReportsInput): Promise<ReportsOutput>;
  standing(park: ParkIdentity): Promise<StandingOutput>;
}

/** Per-request context: the long-lived services plus what the request carried. */
export interface CentralContext {
  ingest: IngestService;
  auth: ParkAuthenticator;
  heartbeats: HeartbeatService;
  parkReads: ParkReadService;
  log: Logger;
  /** The raw `Authorization` header, checked only by procedures that need a park. */
  authorization: string | undefined;
}
