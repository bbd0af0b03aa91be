import { ago, Badge, count } from '@zra/ui';
import type { Outputs } from './api.ts';
import { RIDE_STATE_WORDS } from './labels.ts';

type FleetAgent = Outputs['dashboard']['fleet']['parks'][number]['agent'];
/** What the fleet page's agent and the park page's have in common (rides counted or listed). */
type Agent = Omit<FleetAgent, 'rideCounts'>;

/** What the agent's state means for a person, worst first. */
export function AgentState(props: { agent: Agent }) {
  const a = props.agent;
  if (a.lastHeartbeatAt === null) return <Badge tone="idle">never heard from</Badge>;
  if (a.silent) return <Badge tone="bad">silent, last heard {ago(a.lastHeartbeatAt)}</Badge>;
  if (a.backlogGrowing) return <Badge tone="warn">backlog growing</Badge>;
  return <Badge tone="ok">online</Badge>;
}

/**
 * How fresh a park-side figure is: every one comes with the heartbeat, so a silent agent's
 * figure is the last one known.
 */
export function freshness(agent: Agent): string {
  if (agent.lastHeartbeatAt === null) return 'never reported';
  return agent.silent
    ? `last known, ${ago(agent.lastHeartbeatAt)}`
    : `as of ${ago(agent.lastHeartbeatAt)}`;
}

/** The park's backlog in words, with its freshness. */
export function backlogText(agent: Agent): string {
  if (agent.backlogDrops === null) return '—';
  if (agent.backlogDrops === 0) return 'empty';
  return `${count(agent.backlogDrops, 'drop')}, oldest waits ${
    agent.backlogAgeS === null ? '?' : durationShort(agent.backlogAgeS)
  }`;
}

function durationShort(s: number): string {
  if (s < 3600) return `${Math.max(1, Math.round(s / 60))} min`;
  if (s < 48 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}

/** The rides at the park in one phrase: "2 of 3 failing", "all 3 pulling", "not reported". */
export function ridesAtParkText(agent: FleetAgent): string {
  const rides = agent.rideCounts;
  if (agent.lastHeartbeatAt === null) return '—';
  if (rides === null) return 'not reported by this agent';
  if (rides.total === 0) return 'no rides configured';
  if (rides.failing > 0) return `${rides.failing} of ${count(rides.total, 'ride')} failing`;
  if (rides.paused > 0) return `${rides.paused} of ${count(rides.total, 'ride')} paused`;
  return `all ${count(rides.total, 'ride')} ${RIDE_STATE_WORDS.ok.word}`;
}
