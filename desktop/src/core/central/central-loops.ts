import type { Logger } from 'pino';
import type { BufferSpaceConfig } from '../buffer/buffer-space.ts';
import type { DropBuffer } from '../buffer/drop-buffer.ts';
import type { CentralClient } from './central-client.ts';
import type { CentralLink } from './central-link.ts';
import { CentralViewLoop } from './central-view.ts';
import { HeartbeatLoop } from './heartbeat-loop.ts';

/** The agent's periodic calls to central besides uploads. */
export interface CentralLoops {
  heartbeats: HeartbeatLoop;
  globalView: CentralViewLoop;
}

/**
 * The heartbeat (version, buffer, backlog, offline since; it may move `link`) and the fetch
 * of the park's global view, both over `client`, not started.
 */
export function createCentralLoops(d: {
  client: CentralClient;
  link: CentralLink;
  buffer: DropBuffer;
  bufferConfig: BufferSpaceConfig;
  heartbeatSeconds: number;
  globalViewSeconds: number;
  log: Logger;
}): CentralLoops {
  return {
    heartbeats: new HeartbeatLoop({
      client: d.client,
      link: d.link,
      log: d.log.child({ component: 'heartbeat' }),
      intervalSeconds: d.heartbeatSeconds,
      snapshot: () => ({
        buffer: {
          drops: d.buffer.storedDrops(),
          bytes: d.buffer.storedBytes(),
          capBytes: d.bufferConfig.maxBytes,
        },
        backlog: d.buffer.backlog(),
        offlineSince: d.link.status().offlineSince,
      }),
    }),
    globalView: new CentralViewLoop({
      client: d.client,
      log: d.log.child({ component: 'global-view' }),
      intervalSeconds: d.globalViewSeconds,
    }),
  };
}
