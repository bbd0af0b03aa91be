import {
  createTRPCClient,
  httpBatchLink,
  TRPCClientError,
  type TRPCClient,
  type TRPCLink,
} from '@trpc/client';
import type { inferRouterOutputs } from '@trpc/server';
import { observable } from '@trpc/server/observable';
import { errorText, fieldErrors } from '@zra/ui';
import type { AgentRouter } from '../common/agent-router.ts';
import { BRIDGE_NAME, type AgentBridge } from '../common/ipc-contract.ts';

export type Outputs = inferRouterOutputs<AgentRouter>;
export type Status = Outputs['status'];
export type RideStatus = Status['rides'][number];
export type RideView = Outputs['rides']['list'][number];
export type Settings = Outputs['settings']['get'];
export type ConnectionTest = Outputs['rides']['testConnection'];
export type Api = TRPCClient<AgentRouter>;

const TOKEN_KEY = 'zra-agent-token';

/**
 * The local access token of the headless agent: it opens the page with `#token=<token>`;
 * the token moves to sessionStorage and leaves the address bar (and the history).
 */
export function takeToken(): string | null {
  const m = /(?:^#|&)token=([0-9a-f]+)/.exec(window.location.hash);
  if (m?.[1]) {
    sessionStorage.setItem(TOKEN_KEY, m[1]);
    history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

/** Inside Electron: each operation goes over the preload's one IPC channel. */
function ipcLink(bridge: AgentBridge): TRPCLink<AgentRouter> {
  return () =>
    ({ op }) =>
      observable((observer) => {
        let done = false;
        bridge
          .invoke({
            type: op.type === 'mutation' ? 'mutation' : 'query',
            path: op.path,
            input: op.input,
          })
          .then((res) => {
            if (done) return;
            if (res.ok) {
              observer.next({ result: { type: 'data', data: res.data as never } });
              observer.complete();
            } else {
              // The code goes along, so the toolkit reads field problems and words as over HTTP.
              const err = new TRPCClientError<AgentRouter>(res.error.message);
              Object.assign(err, { data: { code: res.error.code } });
              observer.error(err);
            }
          })
          .catch((err: unknown) => {
            if (!done) observer.error(TRPCClientError.from(err as Error));
          });
        return () => {
          done = true;
        };
      });
}

/** The agent's API: over IPC inside Electron, else over HTTP with the local access token. */
export function createApi(token: string | null): Api {
  const bridge = (window as unknown as Record<string, AgentBridge | undefined>)[BRIDGE_NAME];
  if (bridge) return createTRPCClient<AgentRouter>({ links: [ipcLink(bridge)] });
  return createTRPCClient<AgentRouter>({
    links: [
      httpBatchLink({
        url: new URL('trpc', window.location.href).href,
        headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
      }),
    ],
  });
}

/** True when the page runs inside the Electron shell (no token needed). */
export function insideElectron(): boolean {
  return BRIDGE_NAME in window;
}

/**
 * An error as a person reads it: the toolkit's `errorText` naming the park agent. Field
 * problems (forms place each beside its field) read here as their sentences alone, never with
 * the request's field names.
 */
export function describeError(err: unknown): string {
  const byField = fieldErrors(err);
  const said = Object.values(byField);
  if (said.length > 0) return said.map((m) => (/[.!?]$/.test(m) ? m : `${m}.`)).join(' ');
  return errorText(err, {
    service: 'the park agent',
    unreachable:
      'Check that the park agent runs on this computer (it may have stopped or restarted); this page tries again by itself.',
  });
}

/**
 * Fetches a report's PDF through the agent (it holds the park token; this page never sees
 * it) and hands it to the browser as a download named after the report.
 */
export async function downloadReport(
  token: string | null,
  reportId: string,
  fileName: string,
): Promise<void> {
  const res = await fetch(
    new URL(`reports/${encodeURIComponent(reportId)}/pdf`, window.location.href),
    {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    },
  );
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: string } | null;
    throw new Error(body?.error ?? `the agent answered ${res.status} ${res.statusText}`);
  }
  saveFile(await res.blob(), fileName);
}

/**
 * Inside Electron there is no HTTP route to the agent: the PDF comes over the router, and the
 * main process opens what the page downloads (`report-download.ts`).
 */
export async function downloadReportOverIpc(
  api: Api,
  reportId: string,
  fileName: string,
): Promise<void> {
  const { pdfBase64 } = await api.reports.pdf.query({ reportId });
  const bytes = Uint8Array.from(atob(pdfBase64), (c) => c.charCodeAt(0));
  saveFile(new Blob([bytes], { type: 'application/pdf' }), fileName);
}

function saveFile(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
