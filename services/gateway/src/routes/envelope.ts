/** The contract's envelope as zod schemas, so every documented response shows its real shape. */
import { z } from 'zod';

export const errorEnvelopeSchema = z
  .object({
    success: z.literal(false),
    error: z.string().describe('Error code, e.g. VALIDATION_ERROR'),
    message: z.string(),
    details: z.unknown().optional(),
    timestamp: z.number().int().describe('ms since epoch'),
    requestId: z.string(),
  })
  .meta({ id: 'ErrorEnvelope' });

export const successEnvelope = <T extends z.ZodType>(data: T) =>
  z.object({ success: z.literal(true), data, requestId: z.string() });

/** Every route can fail with the error envelope; Fastify picks these by status class. */
export const errorResponses = { '4xx': errorEnvelopeSchema, '5xx': errorEnvelopeSchema } as const;
