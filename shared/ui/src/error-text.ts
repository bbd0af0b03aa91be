/**
 * The one function that turns a failed call into words for a person, in both apps. The
 * servers' messages are sentences already (what happened, what to do); this covers what is
 * not: the server out of reach, a crash nobody put in words, and zod's issue list (a JSON
 * array in a BAD_REQUEST message), which becomes one sentence per field. Duck-typed on tRPC's
 * client error (`data.code`), so the toolkit needs no tRPC of its own.
 */
export interface ErrorTextOptions {
  /** Who answers the calls, for the sentences: "central", "the park agent". */
  service: string;
  /** What a person does when the service cannot be reached. */
  unreachable?: string;
}

interface Issue {
  path?: unknown[];
  message?: string;
}

/** The tRPC error code of a failure (`UNAUTHORIZED`, `FORBIDDEN`, …), if a server sent one. */
export function errorCode(err: unknown): string | undefined {
  const data = (err as { data?: { code?: unknown } } | null)?.data;
  return typeof data?.code === 'string' ? data.code : undefined;
}

function issuesOf(err: unknown): Issue[] | null {
  const message = err instanceof Error ? err.message : '';
  if (errorCode(err) !== 'BAD_REQUEST' || !message.trimStart().startsWith('[')) return null;
  try {
    const parsed: unknown = JSON.parse(message);
    return Array.isArray(parsed) ? (parsed as Issue[]) : null;
  } catch {
    return null;
  }
}

const fieldName = (i: Issue) => (i.path ?? []).map(String).join('.');

/**
 * The problems of a BAD_REQUEST by field (`{ "openingHours.close": "…" }`), for forms that
 * show each beside its field; problems without a field are under `""`. Empty for other errors.
 */
export function fieldErrors(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of issuesOf(err) ?? []) {
    const key = fieldName(i);
    out[key] ??= i.message ?? 'not valid';
  }
  return out;
}

/** A failure as one or two sentences a person can act on. */
export function errorText(err: unknown, options: ErrorTextOptions): string {
  const message = err instanceof Error ? err.message : String(err);
  const issues = issuesOf(err);
  if (issues) {
    const parts = issues.map((i) => {
      const field = fieldName(i);
      return field ? `${field}: ${i.message ?? 'not valid'}` : (i.message ?? 'not valid');
    });
    return `Please check: ${parts.join('; ')}.`;
  }
  const code = errorCode(err);
  const unreachable =
    /^(failed to fetch|fetch failed|networkerror|load failed|network request failed)/i.test(
      message,
    ) ||
    (code === undefined && err instanceof Error && err.name === 'TRPCClientError');
  if (unreachable) {
    return `This page cannot reach ${options.service}. ${options.unreachable ?? 'Check the network connection; the page tries again by itself.'}`;
  }
  if (code === 'INTERNAL_SERVER_ERROR') {
    return `${capitalise(options.service)} hit an unexpected error (${message}). Try again; if it keeps coming back, send this message and the time to Zamperla support.`;
  }
  return message || `${capitalise(options.service)} refused without saying why.`;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
