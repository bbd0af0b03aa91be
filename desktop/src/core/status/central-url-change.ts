import type { AgentSettingsPatch } from '../store/settings-store.ts';

/**
 * Central's address may change only together with the park token (issue 21): the agent sends
 * the park token with every request to the address set, so whoever could change the address
 * alone (a stolen local access token, a page in the UI's origin) would have the next request
 * carry the token to a server of their choice. Entering the token again is the proof that the
 * person holding it chose the new address. Returns the refusal in words, or null when the
 * patch may go on (the address unchanged, or a token given with it).
 */
export function centralUrlChangeRefusal(
  currentUrl: string,
  patch: AgentSettingsPatch | null | undefined,
): string | null {
  const next = parseHttpUrl(patch?.centralUrl);
  // Not an http(s) address: the settings' own check says what is wrong with it.
  if (next === null) return null;
  if (next.href === parseHttpUrl(currentUrl)?.href) return null;
  if (typeof patch?.parkToken === 'string' && patch.parkToken.length > 0) return null;
  return (
    "central's address was not changed: enter the park token again together with the new " +
    'address (the agent sends the park token to that address, so it moves there only with ' +
    'the token entered again)'
  );
}

function parseHttpUrl(value: unknown): URL | null {
  if (typeof value !== 'string') return null;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}
