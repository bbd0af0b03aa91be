/**
 * The one IPC channel between the Electron renderer and main process: each tRPC operation
 * goes over `ipcRenderer.invoke(AGENT_CHANNEL, request)` and comes back as a response. Plain
 * objects only (Electron's structured clone), no transformer.
 */
export const AGENT_CHANNEL = 'zra:agent';

/** The name the preload gives the bridge on `window`. */
export const BRIDGE_NAME = 'zraAgent';

export interface IpcRequest {
  type: 'query' | 'mutation';
  /** The procedure's dotted path, e.g. `rides.add`. */
  path: string;
  input: unknown;
}

export type IpcResponse =
  | { ok: true; data: unknown }
  | { ok: false; error: { message: string; code: string } };

/** What the preload exposes on `window[BRIDGE_NAME]`. */
export interface AgentBridge {
  invoke(request: IpcRequest): Promise<IpcResponse>;
}

/** Checks an untrusted value (from the renderer) is a request; answers an error in words. */
export function parseIpcRequest(value: unknown): IpcRequest | string {
  if (typeof value !== 'object' || value === null) return 'the request must be an object';
  const v = value as Record<string, unknown>;
  if (v.type !== 'query' && v.type !== 'mutation') return 'type must be "query" or "mutation"';
  if (typeof v.path !== 'string' || !/^[A-Za-z]+(\.[A-Za-z]+)*$/.test(v.path)) {
    return 'path must be a procedure name such as "rides.add"';
  }
  return { type: v.type, path: v.path, input: v.input };
}
