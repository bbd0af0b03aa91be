import { hashParkToken } from '../parks/park-tokens.ts';
import type { ParkAuthenticator } from './context.ts';
import type { ParkIdentity } from './park-identity.ts';

/** The sentence a park technician sees for any token problem; it names the fix. */
export const UNRECOGNISED_TOKEN_MESSAGE =
  "park token not recognised: check the token in the agent's settings or ask Zamperla for a new one";

/**
 * The park an `Authorization: Bearer <park token>` header speaks for, with the token's hash
 * (the key of its rate-limit bucket); null when the header is missing or malformed, or the
 * token is unknown, revoked or its park disabled.
 */
export async function parkOfBearer(
  auth: ParkAuthenticator,
  authorization: string | undefined,
): Promise<{ park: ParkIdentity; tokenHash: string } | null> {
  const token = bearerToken(authorization);
  const park = token ? await auth.parkForToken(token) : null;
  return park && token ? { park, tokenHash: hashParkToken(token) } : null;
}

/** The token of an `Authorization: Bearer <token>` header; null when there is none. */
export function bearerToken(authorization: string | undefined): string | null {
  return /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1] ?? null;
}
