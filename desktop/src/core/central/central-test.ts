import { centralErrorCode, describeCentralError } from './central-error.ts';
import { createCentralClient } from './central-client.ts';

/** What trying central with an address and park token found, before anything is saved. */
export interface CentralTestResult {
  ok: boolean;
  /** What failed, in words; null when central answered and took the token. */
  error: string | null;
  /** The field to correct: the address (no answer), the token (refused), or null. */
  field: 'centralUrl' | 'parkToken' | null;
}

/**
 * Asks central for the park's standing (a read that changes nothing) with `url` and `token`:
 * it answers and knows the token, or the sentence says what failed and which field to fix.
 */
export async function testCentral(
  url: string,
  token: string,
  timeoutMs: number,
): Promise<CentralTestResult> {
  try {
    await createCentralClient(url, token, { timeoutMs }).park.standing.query();
    return { ok: true, error: null, field: null };
  } catch (err) {
    const code = centralErrorCode(err);
    const said = describeCentralError(err, 'testing the link to central');
    if (code === 'UNAUTHORIZED') {
      return {
        ok: false,
        error: `central answers at this address but refused the park token: ${said}`,
        field: 'parkToken',
      };
    }
    return {
      ok: false,
      error:
        code === undefined
          ? `no answer from central at this address: ${said}. Check the address (it is the one Zamperla gave, e.g. https://central.example.com) and this computer's internet connection.`
          : said,
      field: code === undefined || code === 'NOT_FOUND' ? 'centralUrl' : null,
    };
  }
}
