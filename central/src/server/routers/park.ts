import {
  dropsInputSchema,
  dropsOutputSchema,
  reportsInputSchema,
  reportsOutputSchema,
  standingOutputSchema,
} from '../../parks/park-read-schemas.ts';
import { parkProcedure, router } from '../trpc.ts';

/**
 * What a park agent may read about its own park (docs/job-contracts.md, "Park read API").
 * The park comes from the token only: no input names a park.
 */
export const parkRouter = router({
  drops: parkProcedure
    .input(dropsInputSchema)
    .output(dropsOutputSchema)
    .query(({ ctx, input }) => ctx.parkReads.drops(ctx.park, input)),
  reports: parkProcedure
    .input(reportsInputSchema)
    .output(reportsOutputSchema)
    .query(({ ctx, input }) => ctx.parkReads.reports(ctx.park, input)),
  standing: parkProcedure
    .output(standingOutputSchema)
    .query(({ ctx }) => ctx.parkReads.standing(ctx.park)),
});
