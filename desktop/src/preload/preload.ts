import { contextBridge, ipcRenderer } from 'electron';
import {
  AGENT_CHANNEL,
  BRIDGE_NAME,
  type AgentBridge,
  type IpcRequest,
} from '../common/ipc-contract.ts';

/**
 * The renderer's only door to the agent: one function over one IPC channel, no Electron or
 * Node object leaks into the page (contextIsolation + sandbox).
 */
const bridge: AgentBridge = {
  invoke: (request: IpcRequest) => ipcRenderer.invoke(AGENT_CHANNEL, request),
};
contextBridge.exposeInMainWorld(BRIDGE_NAME, bridge);
