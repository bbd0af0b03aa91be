import { describe, expect, it } from 'vitest';
import { errorCode, errorText, fieldErrors } from './error-text.ts';

/** What @trpc/client throws: an Error named TRPCClientError with the server's `data`. */
function trpcError(message: string, code?: string): Error {
  const e = new Error(message) as Error & { data?: { code: string } };
  e.name = 'TRPCClientError';
  if (code) e.data = { code };
  return e;
}

const central = { service: 'central' };

describe('errorText', () => {
  it("passes the server's own sentence on", () => {
    const e = trpcError('there is no park "nowhere"', 'NOT_FOUND');
    expect(errorText(e, central)).toBe('there is no park "nowhere"');
    expect(errorCode(e)).toBe('NOT_FOUND');
  });

  it("turns zod's issue list into one sentence, and into errors by field", () => {
    const e = trpcError(
      JSON.stringify([
        { path: ['openingHours', 'close'], message: 'must be after opening' },
        { path: [], message: 'from must be before to' },
      ]),
      'BAD_REQUEST',
    );
    expect(errorText(e, central)).toBe(
      'Please check: openingHours.close: must be after opening; from must be before to.',
    );
    expect(fieldErrors(e)).toEqual({
      'openingHours.close': 'must be after opening',
      '': 'from must be before to',
    });
    expect(fieldErrors(trpcError('nope', 'NOT_FOUND'))).toEqual({});
  });

  it('says the server is out of reach, with what to do', () => {
    expect(errorText(new TypeError('Failed to fetch'), central)).toBe(
      'This page cannot reach central. Check the network connection; the page tries again by itself.',
    );
    expect(
      errorText(trpcError('Unexpected end of JSON input'), {
        service: 'the park agent',
        unreachable: 'Check that the agent runs, then reload the page.',
      }),
    ).toBe(
      'This page cannot reach the park agent. Check that the agent runs, then reload the page.',
    );
  });

  it('words a crash nobody put in words, and never shows "undefined"', () => {
    expect(errorText(trpcError('boom', 'INTERNAL_SERVER_ERROR'), central)).toBe(
      'Central hit an unexpected error (boom). Try again; if it keeps coming back, send this message and the time to Zamperla support.',
    );
    expect(errorText(trpcError('', 'FORBIDDEN'), central)).toBe(
      'Central refused without saying why.',
    );
    expect(errorText('plain text', central)).toBe('plain text');
  });
});
