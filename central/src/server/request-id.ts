import { randomUUID } from 'node:crypto';

/** Ids a caller may choose: a proxy's or a client's own correlation id, but nothing to inject. */
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The id a request is logged under: the caller's `x-request-id` when it is a plausible id
 * (so a proxy's or the agent's id ties the logs together), otherwise a fresh UUID.
 */
export function requestIdFor(header: string | string[] | undefined): string {
  const given = Array.isArray(header) ? header[0] : header;
  return given && ACCEPTABLE.test(given) ? given : randomUUID();
}
