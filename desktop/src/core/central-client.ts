import {
  createTRPCClient,
  httpBatchLink,
  httpLink,
  isNonJsonSerializable,
  splitLink,
  type TRPCClient,
} from '@trpc/client';
import type { AppRouter } from '@zra/central/router';

/** The typed tRPC client of the central API, as a park sees it. */
export type CentralClient = TRPCClient<AppRouter>;

/**
 * Connects to central at `baseUrl` (the tRPC endpoint is `${baseUrl}/trpc`) with the park's
 * bearer token. FormData (upload chunks) must go through `httpLink`: `httpBatchLink` cannot
 * carry non-JSON bodies. Everything else is batched.
 */
export function createCentralClient(baseUrl: string, token: string): CentralClient {
  const url = `${baseUrl.replace(/\/+$/, '')}/trpc`;
  const headers = () => ({ authorization: `Bearer ${token}` });
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => isNonJsonSerializable(op.input),
        true: httpLink({ url, headers }),
        false: httpBatchLink({ url, headers }),
      }),
    ],
  });
}
