import { initTRPC, TRPCError } from '@trpc/server';
import { isCronExpression } from '@zra/shared';
import { z } from 'zod';
import type { Agent } from '../agent.ts';
import { DROP_STATES } from '../buffer/drop-record.ts';
import { hostKeyFingerprintSchema, rideDraftSchema } from '../settings/config.ts';
import { describePullRule } from '../pull/describe-pull-rule.ts';
import { reportFileName } from '../../common/report-file-name.ts';
import { errorForPeople } from '../error-for-people.ts';
import { FieldProblemsError, fieldProblemsMessage } from '../settings/field-problems.ts';
import { centralUrlChangeRefusal } from './central-url-change.ts';
import { agentSettingsPatchSchema, type AgentSettingsPatch } from '../store/settings-store.ts';

/** Per request: whether it carried the local access token. */
export interface StatusContext {
  authorized: boolean;
}

const t = initTRPC.context<StatusContext>().create();

const localProcedure = t.procedure.use(({ ctx, next }) => {
  if (!ctx.authorized) {
    throw new TRPCError({
      code: 'UNAUTHORIZED',
      message:
        'missing or wrong local access token: send "Authorization: Bearer <token>" with the token from <dataDir>/status-token',
    });
  }
  return next();
});

/**
 * Agent errors are the caller's to fix (unknown ride, invalid form): shown as they are, and
 * field problems as an issue list the UI places beside each field; an unforeseen one (a bug,
 * the database) says so in words.
 */
async function asBadRequest<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message:
        err instanceof FieldProblemsError
          ? fieldProblemsMessage(err.problems)
          : errorForPeople(err, 'doing what was asked'),
      cause: err,
    });
  }
}

/** The address-without-token refusal, placed beside the park token field. */
function refuseCentralUrlChange(currentUrl: string, patch: AgentSettingsPatch): void {
  const refusal = centralUrlChangeRefusal(currentUrl, patch);
  if (refusal) {
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: fieldProblemsMessage([{ field: 'parkToken', message: refusal }]),
    });
  }
}

const rideIdInput = z.strictObject({ rideId: z.string().min(1) });
const sha256Input = z.strictObject({ sha256: z.string().regex(/^[0-9a-f]{64}$/) });
/** A kept record (quarantined or rejected) by its id: the same bytes may be several files. */
const recordInput = z.strictObject({ id: z.number().int().positive() });

/**
 * The agent's API for the UI (Electron over IPC, headless over HTTP on 127.0.0.1): status,
 * pull on demand, rides, settings, quarantine and the global view. docs/agent.md lists every
 * procedure with its input and answer.
 */
export function createStatusRouter(agent: Agent) {
  return t.router({
    status: localProcedure.query(() => agent.status()),
    pullNow: localProcedure
      .input(z.strictObject({ ride: z.string().min(1).optional() }).optional())
      .mutation(({ input }) => asBadRequest(() => agent.pullNow(input?.ride))),

    rides: t.router({
      list: localProcedure.query(() => agent.rides()),
      add: localProcedure
        .input(rideDraftSchema)
        .mutation(({ input }) => asBadRequest(() => agent.addRide(input))),
      edit: localProcedure
        .input(rideDraftSchema)
        .mutation(({ input }) => asBadRequest(() => agent.editRide(input))),
      remove: localProcedure
        .input(rideIdInput)
        .mutation(({ input }) => asBadRequest(() => agent.removeRide(input.rideId))),
      testConnection: localProcedure
        .input(z.union([rideIdInput, z.strictObject({ draft: rideDraftSchema })]))
        .mutation(({ input }) => agent.testConnection(input)),
      acceptHostKey: localProcedure
        .input(z.strictObject({ rideId: z.string().min(1), fingerprint: hostKeyFingerprintSchema }))
        .mutation(({ input }) =>
          asBadRequest(() => agent.acceptHostKey(input.rideId, input.fingerprint)),
        ),
      /** The schedule preview of the ride form: each rule checked and put in words. */
      describeSchedule: localProcedure
        .input(z.strictObject({ rules: z.array(z.string()).max(50) }))
        .query(({ input }) =>
          input.rules.map((rule) => {
            const valid = isCronExpression(rule);
            return { rule, valid, words: valid ? describePullRule(rule) : null };
          }),
        ),
    }),

    settings: t.router({
      get: localProcedure.query(() => agent.settings()),
      update: localProcedure
        // Checked by the agent, whose message names each bad field in words; zod's own error
        // would reach the Settings screen as JSON.
        .input((raw: unknown) => raw as AgentSettingsPatch)
        .mutation(({ input }) => {
          refuseCentralUrlChange(agent.settings().centralUrl, input);
          return asBadRequest(() => agent.updateSettings(input));
        }),
      /**
       * Tries central with the form's address and token before they are saved. A new address
       * is tried only with a token entered with it, as `update` (the token would go there).
       */
      testCentral: localProcedure
        .input(
          z.strictObject({
            centralUrl: z.string().max(2048),
            parkToken: z.string().max(512).optional(),
          }),
        )
        .mutation(async ({ input }) => {
          const patch = {
            centralUrl: input.centralUrl.trim(),
            ...(input.parkToken ? { parkToken: input.parkToken.trim() } : {}),
          };
          refuseCentralUrlChange(agent.settings().centralUrl, patch);
          const checked = agentSettingsPatchSchema.safeParse(patch);
          if (!checked.success) {
            throw new TRPCError({
              code: 'BAD_REQUEST',
              message: fieldProblemsMessage(
                checked.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
              ),
            });
          }
          return agent.testCentral(patch);
        }),
    }),

    quarantine: t.router({
      list: localProcedure.query(() => agent.quarantined()),
      delete: localProcedure
        .input(recordInput)
        .mutation(({ input }) => asBadRequest(() => agent.deleteQuarantined(input.id))),
      recheck: localProcedure
        .input(recordInput)
        .mutation(({ input }) => asBadRequest(() => agent.recheckQuarantined(input.id))),
      /** Deletes the kept copy and pulls the ride now: the file is fetched and checked again. */
      refetch: localProcedure
        .input(recordInput)
        .mutation(({ input }) => asBadRequest(() => agent.refetchQuarantined(input.id))),
    }),

    drops: t.router({
      /** Newest pull first, paged; each with central's state from the global view when known. */
      list: localProcedure
        .input(
          z
            .strictObject({
              state: z.enum(DROP_STATES).optional(),
              ride: z.string().min(1).optional(),
              limit: z.number().int().min(1).max(500).optional(),
              cursor: z.string().min(1).optional(),
            })
            .optional(),
        )
        .query(({ input }) => asBadRequest(() => agent.drops.list(input ?? {}))),
      retry: localProcedure
        .input(sha256Input)
        .mutation(({ input }) => asBadRequest(() => agent.drops.retry(input.sha256))),
    }),

    activity: t.router({
      /** The persistent activity log, newest first, paged. */
      list: localProcedure
        .input(
          z
            .strictObject({
              limit: z.number().int().min(1).max(500).optional(),
              cursor: z.number().int().min(1).optional(),
              ride: z.string().min(1).max(64).optional(),
              level: z.enum(['info', 'warn', 'error']).optional(),
            })
            .optional(),
        )
        .query(({ input }) => agent.drops.activity(input ?? {})),
    }),

    globalView: t.router({
      refresh: localProcedure.mutation(() => agent.refreshGlobalView()),
    }),

    reports: t.router({
      /**
       * A ready report's PDF from central, for the app (inside Electron there is no HTTP route
       * to the agent): base64, since the router speaks JSON.
       */
      pdf: localProcedure.input(z.object({ reportId: z.uuid() })).query(async ({ input }) => {
        let res: Response;
        try {
          res = await agent.fetchReportPdf(input.reportId);
        } catch (err) {
          throw new TRPCError({
            code: 'BAD_GATEWAY',
            message: `central could not be reached for the report (${(err as Error).message}); check the link to central and try again`,
          });
        }
        if (!res.ok) {
          const body = (await res.json().catch(() => null)) as { error?: string } | null;
          throw new TRPCError({
            code: res.status === 404 ? 'NOT_FOUND' : 'BAD_GATEWAY',
            message: `central refused the report (${res.status}): ${body?.error ?? res.statusText}`,
          });
        }
        const bytes = Buffer.from(await res.arrayBuffer());
        const status = agent.status();
        const listed = status.global.reports.find((r) => r.id === input.reportId);
        const zone = status.global.standing?.today.timezone ?? status.timeZone;
        return {
          fileName: listed
            ? reportFileName({ park: status.park, ...listed }, zone)
            : `${status.park}_report-${input.reportId}.pdf`,
          pdfBase64: bytes.toString('base64'),
        };
      }),
    }),
  });
}

/** The router's type, for a typed client (`createTRPCClient<AgentRouter>`). */
export type AgentRouter = ReturnType<typeof createStatusRouter>;
