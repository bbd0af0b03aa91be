import {
  createTRPCClient,
  httpBatchLink,
  httpLink,
  isNonJsonSerializable,
  splitLink,
  type TRPCClient,
} from '@trpc/client';
import type { AppRouter } from '@zra/central/router';
import { dropPutLink, uploadHeadersOf } from '@zra/shared';
import { centralFetch } from './central-fetch.ts';

/** The typed tRPC client of the central API, as a park sees it. */
export type CentralClient = TRPCClient<AppRouter>;

/**
 * Connects to central at `baseUrl` (the tRPC endpoint is `${baseUrl}/trpc`) with the park's
 * bearer token. A drop sent whole goes to `${baseUrl}/ingest/put` (drop-put-link.ts). Upload chunks (their bytes as the body, their place in headers) must go
 * through `httpLink`: `httpBatchLink` cannot carry non-JSON bodies. Everything else is batched. Every request has a deadline
 * (`timeoutMs`, see central-fetch.ts): uploads, heartbeats and the global view alike.
 */
export function createCentralClient(
  baseUrl: string,
  token: string,
  options: { timeoutMs?: number; onPutPathUnknown?: (status: number) => void } = {},
): CentralClient {
  const url = `${baseUrl.replace(/\/+$/, '')}/trpc`;
  const headers = () => ({ authorization: `Bearer ${token}` });
  const fetch = centralFetch(options.timeoutMs);
  return createTRPCClient<AppRouter>({
    links: [
      dropPutLink({ baseUrl, headers, fetch, onPathUnknown: options.onPutPathUnknown }),
      splitLink({
        condition: (op) => isNonJsonSerializable(op.input),
        true: httpLink({
          url,
          headers: ({ op }) => ({ ...headers(), ...uploadHeadersOf(op.context) }),
          fetch,
        }),
        false: httpBatchLink({ url, headers, fetch }),
      }),
    ],
  });
}
