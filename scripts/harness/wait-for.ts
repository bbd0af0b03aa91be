/** How long {@link waitFor} polls, and how often. */
export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Polls `probe` until it returns anything but null, undefined or false, and returns that;
 * throws naming `what` after the timeout. Tests wait for an outcome, never for a fixed time.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  { timeoutMs = 30_000, intervalMs = 100 }: WaitOptions = {},
): Promise<Exclude<T, null | undefined | false>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined && value !== false) {
      return value as Exclude<T, null | undefined | false>;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Waits until a central API at `url` answers its readiness probe (`/readyz`: database up). */
export async function waitForReady(url: string, timeoutMs: number): Promise<void> {
  await waitFor(
    `the central API at ${url} to be ready`,
    () =>
      fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      ),
    { timeoutMs },
  );
}
