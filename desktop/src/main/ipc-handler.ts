import { TRPCError } from '@trpc/server';
import type { AgentRouter } from '../common/agent-router.ts';
import { parseIpcRequest, type IpcResponse } from '../common/ipc-contract.ts';
import { allowedKind } from './ipc-allowlist.ts';

/** What the handler needs to know of the calling frame (Electron's `event.senderFrame`). */
export interface IpcSender {
  senderFrame: { url: string } | null;
}

type Caller = ReturnType<AgentRouter['createCaller']>;

/**
 * The main side of the one IPC channel: runs a tRPC procedure of the agent's router for the
 * app's own page only (`appUrl`; any other frame is refused) with the local context
 * (`authorized: true`: the window is the local user's). Only the procedures of
 * `IPC_PROCEDURES`, each as the kind listed there. Never throws: errors come back as
 * `{ ok: false, error }` with the agent's message.
 */
export function createIpcHandler(router: AgentRouter, appUrl: string) {
  const caller: Caller = router.createCaller({ authorized: true });
  const appBase = appUrl.split('#')[0];
  return async (event: IpcSender, raw: unknown): Promise<IpcResponse> => {
    const frameUrl = event.senderFrame?.url.split('#')[0];
    if (frameUrl !== appBase) {
      return {
        ok: false,
        error: { code: 'FORBIDDEN', message: 'only the app window may call the agent' },
      };
    }
    const request = parseIpcRequest(raw);
    if (typeof request === 'string') {
      return { ok: false, error: { code: 'BAD_REQUEST', message: request } };
    }
    const kind = allowedKind(request.path);
    if (kind === null) {
      return { ok: false, error: { code: 'NOT_FOUND', message: `no procedure "${request.path}"` } };
    }
    if (kind !== request.type) {
      return {
        ok: false,
        error: {
          code: 'BAD_REQUEST',
          message: `"${request.path}" is a ${kind}, not a ${request.type}`,
        },
      };
    }
    const procedure = request.path
      .split('.')
      .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], caller);
    if (typeof procedure !== 'function') {
      return { ok: false, error: { code: 'NOT_FOUND', message: `no procedure "${request.path}"` } };
    }
    try {
      const data: unknown = await (procedure as (input: unknown) => Promise<unknown>)(
        request.input,
      );
      return { ok: true, data };
    } catch (err) {
      const e =
        err instanceof TRPCError
          ? err
          : new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: err });
      return { ok: false, error: { code: e.code, message: e.message } };
    }
  };
}
