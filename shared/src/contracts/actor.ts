import { z } from 'zod';

/** The platform role of a user (seed 001's `Kehu` is a customer, `Kefu` support). */
export const userTypeSchema = z.enum(['customer', 'support', 'admin']);
export type UserType = z.infer<typeof userTypeSchema>;

/**
 * The authenticated caller as the gateway puts it on every RPC, from a verified access token.
 * Services trust it because only the gateway (and other services) can publish on `cairn.rpc.*`.
 */
export const authenticatedActorSchema = z.object({
  kind: z.literal('user'),
  id: z.string(),
  role: userTypeSchema,
  orgId: z.string().optional(),
  sessionId: z.string(),
});
export type AuthenticatedActor = z.infer<typeof authenticatedActorSchema>;

/** Subject of per-user notifications the gateway's WebSocket hub delivers to that user's sockets. */
export const userNotificationSubject = (userId: string): string => `cairn.notify.user.${userId}`;
