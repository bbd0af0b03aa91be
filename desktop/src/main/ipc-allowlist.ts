/**
 * The router procedures the app window may call over IPC, each with its kind. The IPC channel
 * forwards nothing else: a procedure added to the agent's router is not reachable from the
 * window until it is listed here (the test lists every procedure of the router as allowed or
 * refused, so adding one forces the choice). A request whose kind differs is refused too.
 */
export const IPC_PROCEDURES = {
  status: 'query',
  pullNow: 'mutation',
  'rides.list': 'query',
  'rides.add': 'mutation',
  'rides.edit': 'mutation',
  'rides.remove': 'mutation',
  'rides.testConnection': 'mutation',
  'rides.acceptHostKey': 'mutation',
  'rides.describeSchedule': 'query',
  'settings.get': 'query',
  'settings.update': 'mutation',
  'settings.testCentral': 'mutation',
  'quarantine.list': 'query',
  'quarantine.delete': 'mutation',
  'quarantine.recheck': 'mutation',
  'quarantine.refetch': 'mutation',
  'drops.list': 'query',
  'drops.retry': 'mutation',
  'activity.list': 'query',
  'globalView.refresh': 'mutation',
  'reports.pdf': 'query',
} as const satisfies Record<string, 'query' | 'mutation'>;

/**
 * Procedures of the router the window must not call, each with the reason (none today: every
 * procedure is one the app's screens use).
 */
export const IPC_REFUSED: Record<string, string> = {};

/** The kind of an allowed procedure, or null when the channel does not forward `path`. */
export function allowedKind(path: string): 'query' | 'mutation' | null {
  return Object.hasOwn(IPC_PROCEDURES, path)
    ? IPC_PROCEDURES[path as keyof typeof IPC_PROCEDURES]
    : null;
}
