import { ago, whenZoned, type Tone } from '@zra/ui';

/**
 * Times as a technician reads them: relative ("3 min ago"), with the exact instant on the
 * park's clock and its zone as the tooltip, or the instant itself with its zone. Never the
 * browser's own zone unlabelled.
 */
export function Ago(props: { iso: string | null | undefined; zone: string; never?: string }) {
  if (!props.iso) return <span>{props.never ?? 'never'}</span>;
  return (
    <time dateTime={props.iso} title={whenZoned(props.iso, props.zone)}>
      {ago(props.iso)}
    </time>
  );
}

/** An instant on the park's clock with its zone: "2 Dec 2026, 14:05 CET". */
export function At(props: { iso: string | null | undefined; zone: string }) {
  if (!props.iso) return <span>—</span>;
  return <time dateTime={props.iso}>{whenZoned(props.iso, props.zone)}</time>;
}

/** A ride's pull rules in words, with the time zone they are read in (an agent setting). */
export function scheduleText(words: string[], timeZone: string): string {
  return words.length > 0 ? `${words.join('; ')} (${timeZone} time)` : '—';
}

/** The agent's three levels of concern in the toolkit's tones. */
export const TONE = { ok: 'ok', attention: 'warn', failing: 'bad', neutral: 'idle' } as const;
export type AppTone = keyof typeof TONE;
export function tone(t: AppTone): Tone {
  return TONE[t];
}

/**
 * What to do about a gateway (ride) error, in plain words: the agent's message says what
 * happened; this adds the next step.
 */
export function gatewayAdvice(error: string): string {
  const e = error.toLowerCase();
  if (e.includes('host key')) {
    return 'Open Rides, check the fingerprint with the gateway supplier, then accept it.';
  }
  if (
    e.includes('authentication') ||
    e.includes('password') ||
    e.includes('login') ||
    e.includes('permission denied')
  ) {
    return 'Open Rides, edit this ride and check its user name and password or key; then test the connection.';
  }
  if (e.includes('no such file') || e.includes('folder')) {
    return 'Open Rides and check the remote folder of this ride.';
  }
  if (e.includes('full') || e.includes('space')) {
    return 'Free disk space or raise the buffer size limit in Settings; the gateway keeps the data.';
  }
  if (
    e.includes('econnrefused') ||
    e.includes('timed out') ||
    e.includes('timeout') ||
    e.includes('unreachable') ||
    e.includes('enotfound') ||
    e.includes('ehostunreach')
  ) {
    return 'Check that the gateway is switched on and its network cable is plugged in, and its address in Rides. The agent tries again by itself.';
  }
  return 'The agent tries again by itself. If this stays, call Zamperla support with this message.';
}

/**
 * What to do about the link to central: never the gateway's cable. The agent's message says
 * whether central refused (the token, a rate limit) or could not be reached.
 */
export function centralAdvice(error: string): string {
  const e = error.toLowerCase();
  if (e.includes('unauthorized') || e.includes('token')) {
    return 'Open Settings, enter the park token Zamperla gave you and press “Test central”.';
  }
  if (e.includes('too_many_requests') || e.includes('slow down')) {
    return 'Nothing: central asked the agent to slow down, and it waits as asked.';
  }
  if (e.includes('not_found') || e.includes('404')) {
    return 'Open Settings and check the central address (the one Zamperla gave, e.g. https://central.example.com); press “Test central”.';
  }
  return 'Check this computer’s internet connection and the central address in Settings (“Test central” tries it). The agent tries again by itself.';
}
