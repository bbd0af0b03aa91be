import { RideDraftError } from './ride-draft.ts';

/** One thing wrong with one field of a form, in words (no field names in the message). */
export interface FieldProblem {
  /** The field's path in the request, e.g. `parkToken` or `connection.host`. */
  field: string;
  message: string;
}

/**
 * A change refused for what its fields hold. The message is one sentence for logs and the
 * CLI; `problems` lets the status API place each problem beside its field in the UI.
 */
export class FieldProblemsError extends RideDraftError {
  constructor(
    readonly problems: FieldProblem[],
    summary: string,
  ) {
    super(summary);
  }
}

/**
 * The status API's BAD_REQUEST message for field problems: the same issue list (`[{ path,
 * message }]`) tRPC sends when an input check fails, so the UI's forms (`@zra/ui`'s
 * `fieldErrors`) place every problem beside its field, whichever check found it.
 */
export function fieldProblemsMessage(problems: FieldProblem[]): string {
  return JSON.stringify(problems.map((p) => ({ path: p.field.split('.'), message: p.message })));
}
