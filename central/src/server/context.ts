import type pg from 'pg';
import type { Logger } from 'pino';
import type { HeartbeatInput, HeartbeatOutput } from '../agents/heartbeat-schemas.ts';
import type {
  BeginInput,
  BeginOutput,
  ChunkInput,
  ChunkOutput,
  CommitInput,
  CommitOutput,
  PutInput,
} from '../ingest/ingest-schemas.ts';
import type {
  DropsInput,
  DropsOutput,
  ReportsInput,
  ReportsOutput,
  StandingOutput,
} from '../parks/park-read-schemas.ts';
import type { BlobStore } from '../blob/blob-store.ts';
import type { FleetOverview } from '../dashboard/dashboard-schemas.ts';
import type { Snapshot } from '../dashboard/snapshot.ts';
import type { ParkQuota } from '../config.ts';
import type { UploadChecker } from '../ingest/drop-verifier.ts';
import type { TokenBucketLimiter } from '../ingest/rate-limiter.ts';
import type { KnownContent } from '../ingest/park-quota.ts';
import type { BrokerProbe } from '../queue/broker-probe.ts';
import type { SessionView } from '../users/auth-schemas.ts';
import type { LoginThrottle } from '../users/login-throttle.ts';
import type { ParkIdentity } from './park-identity.ts';

/** What the ingest procedures delegate to; the router stays a thin, typed shell. */
export interface IngestService {
  /** `known`: what the park quota's check found of the drop (`checkParkQuota`). */
  begin(park: ParkIdentity, input: BeginInput, known: KnownContent): Promise<BeginOutput>;
  chunk(park: ParkIdentity, input: ChunkInput): Promise<ChunkOutput>;
  commit(park: ParkIdentity, input: CommitInput): Promise<CommitOutput>;
  /** A whole drop in one request: begin, its one chunk and commit at once. */
  put(park: ParkIdentity, input: PutInput, known: KnownContent): Promise<CommitOutput>;
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

/** Settings of the dashboard side (users, sessions, fleet flags). */
export interface DashboardSettings {
  /** How long a session lasts after login (absolute, not sliding). */
  sessionTtlMs: number;
  /** Mark the session cookie `Secure` (only sent over HTTPS; browsers exempt localhost). */
  cookieSecure: boolean;
  /** A park without a heartbeat for this long is flagged silent. */
  silentAfterMs: number;
  /** QUEUE_PREFIX, to name the broker's queues in `dashboard.queues`. */
  queuePrefix: string;
}

/** The long-lived part of the context, shared by every request. */
export interface CentralServices {
  ingest: IngestService;
  auth: ParkAuthenticator;
  heartbeats: HeartbeatService;
  parkReads: ParkReadService;
  /** The dashboard procedures query PostgreSQL directly through the functions they call. */
  pool: pg.Pool;
  /** The fleet page, shared by everyone asking for FLEET_SNAPSHOT_S (dashboard/snapshot.ts). */
  fleet: Snapshot<FleetOverview>;
  broker: BrokerProbe;
  settings: DashboardSettings;
  /** Per-park-token limit on ingest calls. */
  ingestLimiter: TokenBucketLimiter;
  /** Sign-in limits (per address, per address and name, per account, global), before hashing. */
  loginThrottle: LoginThrottle;
  /** Per-park limits on stored and in-flight upload bytes, checked at `ingest.begin`. */
  parkQuota: ParkQuota;
  /** Something was written to the outbox: publish it now rather than at the next poll. */
  onEnqueued(): void;
  /** Seals central-pull gateway credentials (GATEWAY_CREDENTIALS_KEY); absent: not configured. */
  gatewayCredentialsKey?: Buffer;
  /** Where drops and report files are (BLOB_STORE): report downloads, central pull's quarantine. */
  blobs: BlobStore;
  /**
   * Verifies a whole stored drop off the event loop (the verifier threads): a quarantined
   * pulled drop checked again. In-line, a 1.5 MB drop held every other request for ≈ 35 ms.
   */
  checkDrop: UploadChecker;
}

/** Per-request context: the long-lived services plus what the request carried. */
export interface CentralContext extends CentralServices {
  log: Logger;
  /** The raw `Authorization` header, checked only by procedures that need a park. */
  authorization: string | undefined;
  /** The session cookie's value, checked only by dashboard procedures. */
  sessionId: string | undefined;
  /** The cookie's live session, looked up once per HTTP request (a batch shares it). */
  currentSession(): Promise<SessionView | null>;
  /** The `x-zra-csrf` header, required on dashboard mutations. */
  csrfHeader: string | undefined;
  /** The `x-zra-upload-id` and `x-zra-offset` headers: where a plain-body chunk belongs. */
  chunkPlace: { uploadId: string | undefined; offset: string | undefined };
  /** The `x-zra-sha256`, `x-zra-content-id`, `x-zra-bytes`, `x-zra-file-name` headers of a put. */
  dropPut: {
    sha256: string | undefined;
    contentId: string | undefined;
    bytes: string | undefined;
    fileName: string | undefined;
  };
  /**
   * The client's address: the socket's, or behind a trusted proxy (`TRUSTED_PROXIES`) the
   * client's from `X-Forwarded-For`.
   */
  remoteAddress: string;
  /** The known-device cookie's value (a browser that signed in before), for `auth.login`. */
  deviceId: string | undefined;
  /** Calls in this HTTP request (a tRPC batch has several; password checks must come alone). */
  batchCalls: number;
  /** Adds a `Set-Cookie` header to the response. */
  setCookie(cookie: string): void;
}
