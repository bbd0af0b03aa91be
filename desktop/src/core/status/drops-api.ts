import type { ActivityLog, ActivityPage, ActivityQuery } from '../buffer/activity-log.ts';
import type { DropPageQuery } from '../buffer/drop-pages.ts';
import type { DropRecord } from '../buffer/drop-record.ts';
import type { DropBuffer } from '../buffer/drop-buffer.ts';
import type { GlobalView } from '../central/central-view.ts';

/** What central last said about a drop (from the global view); null when not known. */
export interface CentralDropState {
  state: string;
  error: { code: string | null; reason: string | null } | null;
  updatedAt: string;
}

/** A drop as the Drops screen shows it: the buffer's record and central's state when known. */
export interface DropListItem extends DropRecord {
  central: CentralDropState | null;
}

export interface DropListPage {
  drops: DropListItem[];
  nextCursor: string | null;
  /** When the global view was last fetched; null when central was never asked. */
  centralFetchedAt: string | null;
}

/** The Drops and Activity screens' part of the agent. */
export interface DropsApi {
  list(query?: DropPageQuery): DropListPage;
  /** Puts a rejected drop, or one whose uploads failed, back in the upload queue now. */
  retry(sha256: string): { sha256: string; state: string };
  activity(query?: ActivityQuery): ActivityPage;
}

export interface DropsApiDeps {
  buffer: DropBuffer;
  activity: ActivityLog;
  globalView: () => GlobalView;
  /** Starts an upload round soon. */
  kickUploads: () => void;
}

export function createDropsApi(deps: DropsApiDeps): DropsApi {
  return {
    list(query = {}) {
      const page = deps.buffer.page(query);
      const view = deps.globalView();
      // Central lists batches by the zip's SHA-256; the newest one wins (a re-upload).
      const central = new Map<string, CentralDropState>();
      for (const d of view.drops) {
        if (!central.has(d.sha256)) {
          central.set(d.sha256, { state: d.state, error: d.error, updatedAt: d.updatedAt });
        }
      }
      return {
        drops: page.drops.map((d) => ({ ...d, central: central.get(d.sha256) ?? null })),
        nextCursor: page.nextCursor,
        centralFetchedAt: view.fetchedAt,
      };
    },
    retry(sha256) {
      const drop = deps.buffer.get(sha256);
      if (!drop) throw new Error(`no drop ${sha256} in the buffer: it may have been deleted`);
      if (!deps.buffer.retry(sha256)) {
        throw new Error(
          `drop ${drop.fileName} is ${drop.state} and has no failed upload: there is nothing to retry`,
        );
      }
      deps.activity.append({
        level: 'info',
        kind: 'drop',
        ride: drop.ride,
        message: `${drop.fileName}: upload retried by a person (was ${drop.state})`,
      });
      deps.kickUploads();
      return { sha256, state: deps.buffer.get(sha256)?.state ?? 'buffered' };
    },
    activity: (query = {}) => deps.activity.list(query),
  };
}
