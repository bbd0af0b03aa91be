/**
 * The agent router's type for the UI (renderer and preload): the renderer may not import
 * core code (eslint), only this type, which is erased at build time.
 */
export type { AgentRouter } from '../core/status/status-router.ts';
