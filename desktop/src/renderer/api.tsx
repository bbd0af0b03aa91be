import {
  createTRPCClient,
  httpBatchLink,
  TRPCClientError,
  type TRPCClient,
  type TRPCLink,
} from '@trpc/client';
import type { inferRouterOutputs } from '@trpc/server';
import { observable } from '@trpc/server/observable';
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
              observer.error(new TRPCClientError(res.error.message));
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
 * An error as a person reads it. The agent's answers are sentences already; what is not (the
 * page cannot reach the agent, or the agent failed in a way nobody put in words) is said as
 * what happened and what to do.
 */
export function errorText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/^(failed to fetch|fetch failed|networkerror|load failed)/i.test(message)) {
    return 'This page cannot reach the park agent (it may have stopped or restarted): check that the agent runs, then reload the page.';
  }
  const code =
    err instanceof TRPCClientError
      ? ((err.data as { code?: unknown } | undefined)?.code ?? null)
      : null;
  if (code === 'INTERNAL_SERVER_ERROR') {
    return `The park agent hit an unexpected error (${message}). Try again; if it keeps coming back, send the agent's log to Zamperla support.`;
  }
  return message;
}

/**
 * Fetches a report's PDF through the agent (it holds the park token; this page never sees
 * it) and hands it to the browser as a download named after the report.
 */
export async function downloadReport(token: string | null, reportId: string): Promise<void> {
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
  saveFile(await res.blob(), `report-${reportId}.pdf`);
}

/**
 * Inside Electron there is no HTTP route to the agent: the PDF comes over the router, and the
 * main process opens what the page downloads (`report-download.ts`).
 */
export async function downloadReportOverIpc(api: Api, reportId: string): Promise<void> {
  const { fileName, pdfBase64 } = await api.reports.pdf.query({ reportId });
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
