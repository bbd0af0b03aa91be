import { z } from 'zod';
import { passwordProblem } from './password-policy.ts';

/** The two roles: `viewer` reads everything, `admin` also changes things. */
export const ROLES = ['admin', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** Lower-case login names: letters, digits and `._@-`, as the users table checks. */
export const usernameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9._@-]{0,127}$/, {
    message: 'username: 1-128 of a-z, 0-9, ".", "_", "@", "-", starting with a letter or digit',
  });

/** Long enough to resist guessing; the upper bound keeps one scrypt call cheap to refuse. */
export const newPasswordSchema = z
  .string()
  .min(12, { message: 'password must have at least 12 characters' })
  .max(1024)
  .superRefine((password, ctx) => {
    // Length alone let `password1234` through: common passwords, runs and patterns are refused.
    const problem = passwordProblem(password);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const changePasswordInputSchema = z.strictObject({
  currentPassword: z.string().max(1024),
  newPassword: newPasswordSchema,
});

export const loginInputSchema = z.strictObject({
  username: z.string().max(200),
  password: z.string().max(1024),
});

/** A user as the dashboard shows it; never the hash. */
export interface UserView {
  id: string;
  username: string;
  role: Role;
  createdAt: string;
  /** When an admin disabled the user (they cannot sign in); null while enabled. */
  disabledAt: string | null;
}

/** `auth.login` and `auth.me`: who is signed in, and the token mutations must echo. */
export interface SessionView {
  user: UserView;
  /** Send as the `x-zra-csrf` header on every mutation. */
  csrfToken: string;
  expiresAt: string;
}

export type LoginInput = z.infer<typeof loginInputSchema>;
