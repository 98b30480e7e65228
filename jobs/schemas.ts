import { z } from 'zod';
import { CapacityAnswerSchema, EvaluateAnswerSchema, PlanAnswerSchema } from '../planning/schemas.js';
import { JOB_KINDS } from '../planning/job-input.js';

/** The jobs API's answers, for the OpenAPI document (server/openapi.ts). */
const Progress = z.object({
  objective: z.number().nullable(),
  bound: z.number().nullable(),
  gap: z.number().nullable(),
  elapsedMs: z.number(),
});

export const JobAcceptedSchema = z.object({
  id: z.uuid().describe('UUID v4: random, and never listed'),
  status: z.literal('queued'),
  location: z.string(),
});

export const JobViewSchema = z.object({
  id: z.uuid(),
  kind: z.enum(JOB_KINDS),
  status: z.enum(['queued', 'running', 'done', 'failed', 'cancelled']),
  submittedAt: z.string(),
  deadline: z.string().describe('the submission time plus its time limit'),
  progress: Progress.nullable().describe('the best verified objective and the bound so far'),
  answer: z
    .union([PlanAnswerSchema, EvaluateAnswerSchema, CapacityAnswerSchema])
    .optional()
    .describe("done (or cancelled while running): the synchronous route's answer"),
  error: z
    .object({
      code: z.string(),
      message: z.string(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })),
    })
    .optional(),
  attempts: z.number().int().optional().describe('distributed: how many workers took it up'),
});
