/**
 * The WebSocket wire protocol (CONTRACT.md "Chat and files"): JSON text frames with a `type`.
 * Close codes: 1001 idle, 1008 policy, 1011 internal error, 1012 restart (deploy), 1013 try again later,
 * 4401 unauthorized.
 */
import { z } from 'zod';

export const CloseCode = {
  IDLE: 1001,
  POLICY: 1008,
  INTERNAL_ERROR: 1011,
  SERVICE_RESTART: 1012,
  TRY_AGAIN_LATER: 1013,
  UNAUTHORIZED: 4401,
} as const;

export interface ServerMessage {
  readonly type: string;
  readonly [field: string]: unknown;
}

export const authMessageSchema = z.object({ type: z.literal('auth'), token: z.string().min(1).max(4096) });
export const pingMessageSchema = z.object({ type: z.literal('ping') });

/** Any client message: a JSON object with a string `type`; the rest is checked by that type's handler. */
const envelopeSchema = z.looseObject({ type: z.string().min(1).max(64) });
export type ClientMessage = z.infer<typeof envelopeSchema>;

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

export function parseClientMessage(data: string): Parsed<ClientMessage> {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return { ok: false, message: 'Message is not valid JSON' };
  }
  const parsed = envelopeSchema.safeParse(json);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, message: 'Message must be a JSON object with a string "type"' };
}

/** A zod failure as one readable line for an error frame. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; ');
}

export const errorMessage = (error: string, message: string, extra?: Record<string, unknown>): ServerMessage => ({
  type: 'error',
  error,
  message,
  ...extra,
});
