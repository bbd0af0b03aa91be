import type { AgentStatus } from '../core/status/agent-status.ts';

/**
 * The agent's zone and central's for the park, when they differ: the rides' pull times and the
 * times shown here are then not the park's clock, while central's reports count the park's
 * days. Null while they agree or central has not said.
 */
export function timeZoneMismatch(status: AgentStatus): { agent: string; park: string } | null {
  const park = status.global.standing?.today.timezone;
  return park && park !== status.timeZone ? { agent: status.timeZone, park } : null;
}
