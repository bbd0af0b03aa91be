import {
  GatewayConnectionLostError,
  GatewayUnreachableError,
  HostKeyMismatchError,
  HostKeyUnconfirmedError,
} from '@zra/gateway';
import { JobFailureError, withoutPaths } from '../worker/job-failure.ts';
import { CredentialsKeyError } from './credential-seal.ts';

/** Where the sentences send people: the admin page of the ride's gateway. */
const PAGE = 'under Central pull in the dashboard';

/** The next scheduled pull tries again: a gateway failure is not retried by the worker. */
const NEXT = 'the next scheduled pull (or "Pull now") tries again';

/**
 * A gateway failure of a download, as central tells it: stable code, what happened (the
 * gateway code's own sentence, which names the gateway and never a local path), what to do.
 * Every one is final for this download: the ride's schedule is the retry, as in the system this
 * replaces, and a person sees the failure on the ride at once instead of after five attempts.
 */
export function gatewayFailure(err: unknown, doing: string): JobFailureError {
  if (err instanceof JobFailureError) return err;
  const said = withoutPaths(err instanceof Error ? err.message : String(err));
  const failure = (code: string, what: string, todo: string) =>
    new JobFailureError({ code, what, todo, permanent: true }, { cause: err });
  if (err instanceof HostKeyUnconfirmedError) {
    return failure(
      'host_key_unconfirmed',
      `the gateway presented host key ${err.presented}, which nobody has accepted yet; central sent no credential and pulled nothing`,
      `an admin compares it with \`ssh-keygen -lf <host key>.pub -E sha256\` on the gateway and accepts it ${PAGE}`,
    );
  }
  if (err instanceof HostKeyMismatchError) {
    return failure(
      'host_key_changed',
      `the gateway's host key changed (accepted ${err.expected}, presented ${err.got}): the gateway was replaced, or someone is in the middle; central sent no credential and pulled nothing`,
      `ask the park whether the gateway was replaced; only then an admin accepts the new key ${PAGE}. The ride stays stopped until then`,
    );
  }
  if (err instanceof CredentialsKeyError) {
    return failure('credentials_key', said, 'an operator fixes GATEWAY_CREDENTIALS_KEY');
  }
  if (err instanceof GatewayUnreachableError) {
    return failure(
      'gateway_unreachable',
      said,
      `check the gateway's address ${PAGE}, that it runs, and the network between central and the park (VPN, firewall, the download jobs' egress policy); ${NEXT}`,
    );
  }
  if (/refused the user name or credential|authentication methods failed/i.test(said)) {
    return failure(
      'gateway_login_refused',
      said.replace(/; check them in the ride settings$/, ''),
      `correct the user name and password or key ${PAGE}; ${NEXT}`,
    );
  }
  if (err instanceof GatewayConnectionLostError) {
    return failure(
      'gateway_connection_lost',
      `${said}; the drops committed before stay, the file in flight was discarded`,
      `nothing, if the gateway is back: ${NEXT} and completes the rest; otherwise check the gateway`,
    );
  }
  const status = /HTTP gateway answered (\d{3})/.exec(said)?.[1];
  if (status === '401' || status === '403') {
    return failure(
      'gateway_login_refused',
      said.replace(/: check the user name and password in the ride settings$/, ''),
      `correct the user name and password ${PAGE}`,
    );
  }
  return failure(
    'gateway_error',
    `${doing} failed: ${said}`,
    `check the gateway and the ride's folder ${PAGE}; ${NEXT}`,
  );
}

/** Codes of failures that say the gateway settings (not the network) need a person. */
export const SETTINGS_FAILURES = new Set([
  'host_key_unconfirmed',
  'host_key_changed',
  'gateway_login_refused',
  'credentials_key',
]);
