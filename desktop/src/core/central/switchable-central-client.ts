import type { CentralClient } from './central-client.ts';

/**
 * A central client whose target can change while the agent runs (a new central URL or park
 * token from the settings): the upload and heartbeat loops keep their reference, every call
 * goes to the client current at that moment.
 */
export function switchableCentralClient(initial: CentralClient): {
  client: CentralClient;
  switchTo(next: CentralClient): void;
} {
  let current = initial;
  const client = new Proxy(
    {},
    { get: (_target, prop) => Reflect.get(current as object, prop) as unknown },
  ) as CentralClient;
  return {
    client,
    switchTo(next) {
      current = next;
    },
  };
}
