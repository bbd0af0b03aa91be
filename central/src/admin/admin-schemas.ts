import { slugSchema } from '@zra/shared';
import { z } from 'zod';
import { openingHoursSchema } from '../parks/opening-hours.ts';
import { createParkInputSchema } from '../parks/park-store.ts';
import { requestReportInputSchema } from '../reports/report-store.ts';
import { addReportRuleInputSchema } from '../scheduler/report-rules.ts';
import { createUserInputSchema } from '../users/user-store.ts';
import { ROLES, usernameSchema } from '../users/auth-schemas.ts';

const id = z.string().regex(/^\d{1,18}$/, { message: 'expected a numeric id' });

export const adminInputs = {
  createPark: createParkInputSchema,
  renameRide: z.strictObject({
    park: slugSchema,
    ride: slugSchema,
    name: z.string().trim().min(1).max(200),
  }),
  setOpeningHours: z.strictObject({ park: slugSchema, openingHours: openingHoursSchema }),
  createParkToken: z.strictObject({
    park: slugSchema,
    label: z.string().trim().max(200).default(''),
  }),
  setParkDisabled: z.strictObject({ park: slugSchema, disabled: z.boolean() }),
  deletePark: z.strictObject({ park: slugSchema }),
  setUserDisabled: z.strictObject({ username: usernameSchema, disabled: z.boolean() }),
  deleteUser: z.strictObject({ username: usernameSchema }),
  revokeParkToken: z.strictObject({ tokenId: id }),
  createUser: createUserInputSchema,
  setUserRole: z.strictObject({ username: usernameSchema, role: z.enum(ROLES) }),
  requeueBatch: z.strictObject({ batchId: z.uuid() }),
  requeueReport: z.strictObject({ reportId: z.uuid() }),
  requestReport: requestReportInputSchema,
  addReportRule: addReportRuleInputSchema,
  setReportRuleEnabled: z.strictObject({ ruleId: id, enabled: z.boolean() }),
  deleteReportRule: z.strictObject({ ruleId: id }),
};
