import { z } from 'zod';
import { QuestionSchema } from '../models/capacity.js';
import { KubeInputSchema, KubeNodeSchema, KubePodSchema } from '../models/kube.js';
import { SwarmInputSchema } from '../models/swarm-schema.js';
import { PlanInputSchema } from '../models/plan.js';
import { ProgramSchema } from '../models/program.js';
import { SnapshotSchema, snapshotFields } from '../models/snapshot.js';
import { CapacityAnswerSchema, EvaluateAnswerSchema, PlanAnswerSchema, VersionSchema } from '../planning/schemas.js';
import { versionInfo } from '../planning/version.js';
import { JobEnvelopeSchema } from '../planning/job-input.js';
import { JobAcceptedSchema, JobViewSchema } from '../jobs/schemas.js';
import { ERROR_CODES } from './errors.js';

/**
 * The OpenAPI 3.1 document (GET /openapi.json), generated from the zod schemas the service itself uses:
 * the request schemas that validate bodies (models/) and the answer schemas (planning/schemas.ts). Its
 * JSON Schemas are draft 2020-12, as OpenAPI 3.1 has them.
 */
type Json = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' });
  return rest as Json;
}

const ErrorSchema = z.object({
  error: z.object({
    code: z.enum(Object.keys(ERROR_CODES) as [keyof typeof ERROR_CODES, ...(keyof typeof ERROR_CODES)[]]),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).describe('each with its field path'),
  }),
});

const HealthSchema = z.object({
  status: z.enum(['ok', 'starting', 'draining', 'failing']),
  solverThreads: z.number().int(),
  queued: z.number().int(),
  maxQueue: z.number().int(),
  workers: z.record(z.string(), z.number()),
  inputThreads: z.record(z.string(), z.number()).optional(),
});

const KubeList = z.looseObject({
  kind: z.literal('List'),
  items: z.array(z.union([KubeNodeSchema, KubePodSchema, z.looseObject({ kind: z.string() })])),
  options: KubeInputSchema.shape.options,
});

/** Request bodies, as the routes read them (a snapshot, or Kubernetes input, with what the route adds). */
function requestSchemas(): Json {
  const withPlan = { plan: PlanInputSchema.optional() };
  const withQuestion = { question: QuestionSchema };
  return {
    Snapshot: jsonSchema(SnapshotSchema, 'input'),
    KubernetesInput: jsonSchema(KubeInputSchema, 'input'),
    KubernetesList: jsonSchema(KubeList, 'input'),
    SwarmInput: jsonSchema(SwarmInputSchema, 'input'),
    Program: jsonSchema(ProgramSchema, 'input'),
    JobSubmission: jsonSchema(JobEnvelopeSchema, 'input'),
    EvaluateInput: jsonSchema(
      z.union([
        z.strictObject({ ...snapshotFields, ...withPlan }),
        KubeInputSchema.extend(withPlan),
        SwarmInputSchema.extend(withPlan),
      ]),
      'input',
    ),
    CapacityInput: jsonSchema(
      z.union([
        z.strictObject({ ...snapshotFields, ...withQuestion }),
        KubeInputSchema.extend(withQuestion),
        SwarmInputSchema.extend(withQuestion),
      ]),
      'input',
    ),
  };
}

function responseSchemas(): Json {
  return {
    PlanAnswer: jsonSchema(PlanAnswerSchema, 'output'),
    EvaluateAnswer: jsonSchema(EvaluateAnswerSchema, 'output'),
    CapacityAnswer: jsonSchema(CapacityAnswerSchema, 'output'),
    Error: jsonSchema(ErrorSchema, 'output'),
    Health: jsonSchema(HealthSchema, 'output'),
    Version: jsonSchema(VersionSchema, 'output'),
    JobAccepted: jsonSchema(JobAcceptedSchema, 'output'),
    Job: jsonSchema(JobViewSchema, 'output'),
  };
}

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json): Json => ({ 'application/json': { schema } });

/** The catalogue's codes answered with each status. */
function errorResponses(statuses: readonly number[]): Json {
  const out: Json = {};
  for (const status of statuses) {
    const codes = Object.entries(ERROR_CODES).flatMap(([code, s]) => (s === status ? [code] : []));
    out[String(status)] = {
      description: `error: ${codes.join(', ')}${status === 503 ? ' (with Retry-After)' : ''}`,
      content: json(ref('Error')),
      ...(status === 503 ? { headers: { 'Retry-After': { schema: { type: 'integer' } } } } : {}),
    };
  }
  return out;
}

const POST_ERRORS = [400, 401, 404, 413, 415, 422, 500, 503];

function post(summary: string, body: Json, answer: string, lp: boolean): Json {
  return {
    post: {
      summary,
      ...(lp
        ? {
            parameters: [
              {
                name: 'format',
                in: 'query',
                schema: { type: 'string', enum: ['json', 'lp'] },
                description: 'lp: the integer program as CPLEX LP text instead of a solve',
              },
            ],
          }
        : {}),
      requestBody: { required: true, content: json(body) },
      responses: {
        '200': {
          description: 'the answer',
          content: { ...json(ref(answer)), ...(lp ? { 'text/plain': { schema: { type: 'string' } } } : {}) },
        },
        ...errorResponses(POST_ERRORS),
      },
    },
  };
}

function get(summary: string, content: Json, extra: Json = {}): Json {
  return { get: { summary, responses: { '200': { description: summary, content }, ...extra } } };
}

function paths(): Json {
  const plan = { oneOf: [ref('Snapshot'), ref('KubernetesInput'), ref('KubernetesList'), ref('SwarmInput')] };
  const text = (type: string): Json => ({ [type]: { schema: { type: 'string' } } });
  const unready = { '503': { description: 'starting, draining or failing', content: json(ref('Health')) } };
  return {
    '/v1/plan': post(
      'Solve a cluster snapshot: the best verified plan, its bound and the greedy',
      plan,
      'PlanAnswer',
      true,
    ),
    '/v1/solve': post('Solve an assignment program', ref('Program'), 'PlanAnswer', true),
    '/v1/evaluate': post(
      'Check a given plan against every rule and the optimum',
      ref('EvaluateInput'),
      'EvaluateAnswer',
      false,
    ),
    '/v1/capacity': post(
      'Answer a capacity question (fit, buy, whatIf, moveBudget)',
      ref('CapacityInput'),
      'CapacityAnswer',
      false,
    ),
    ...jobPaths(),
    '/v1/version': get('This build, its commit and the solver packages', json(ref('Version'))),
    '/livez': get('The process answers', json({ type: 'object', properties: { status: { const: 'ok' } } })),
    '/readyz': get('The service takes work', json(ref('Health')), unready),
    '/healthz': get('Readiness with detail', json(ref('Health')), unready),
    '/metrics': get('Prometheus metrics (text exposition format)', text('text/plain')),
    '/openapi.json': get('This document', json({ type: 'object' })),
    '/docs': get('API documentation rendered from this document', text('text/html')),
    ...pagePaths(),
    '/docs/init.js': get("The documentation page's script", text('application/javascript')),
    '/docs/assets/{file}': {
      get: {
        summary: 'Swagger UI, served from the package',
        parameters: [{ name: 'file', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '200': { description: 'the file' }, ...errorResponses([404]) },
      },
    },
  };
}

/** A GET of files under a path template: the file, or the catalogue's 404. */
function templated(summary: string, name: string, type: string): Json {
  return {
    get: {
      summary,
      parameters: [{ name, in: 'path', required: true, schema: { type: 'string' } }],
      responses: {
        '200': { description: 'the file', content: { [type]: { schema: { type: 'string' } } } },
        ...errorResponses([404]),
      },
    },
  };
}

/** The web page (server/web.ts) and the files it loads. */
function pagePaths(): Json {
  const file = (summary: string, type: string): Json => get(summary, { [type]: { schema: { type: 'string' } } });
  const js = 'text/javascript';
  return {
    '/': file('The web page: the optimum beside the greedy, node by node', 'text/html'),
    '/app.css': file("The page's style sheet", 'text/css'),
    '/assets/htm-preact.mjs': file('preact and htm (htm/preact/standalone), from the package', js),
    '/assets/uplot.mjs': file('uPlot, from the package', js),
    '/assets/uplot.css': file("uPlot's style sheet", 'text/css'),
    '/web/{file}': templated("The page's modules", 'file', js),
    '/assets/yaml/{path}': templated("yaml's browser build (the page reads YAML manifests)", 'path', js),
    '/examples/{file}': templated('The examples the page loads (examples/*.json)', 'file', 'application/json'),
    '/examples/swarm/{file}': templated(
      "The Docker swarm example's inspect files (examples/swarm/*.json)",
      'file',
      'application/json',
    ),
  };
}

function jobPaths(): Json {
  const id = [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }];
  const view = { '200': { description: 'the job', content: json(ref('Job')) }, ...errorResponses([401, 404, 500]) };
  const submit = post('Submit a job: {kind, input} with the body of that route', ref('JobSubmission'), 'Job', false);
  const accepted = {
    description: 'queued',
    content: json(ref('JobAccepted')),
    headers: { Location: { schema: { type: 'string' } } },
  };
  const responses = (submit['post'] as { responses: Json }).responses;
  delete responses['200'];
  Object.assign(responses, { '202': accepted, ...errorResponses([429]) });
  return {
    '/v1/jobs': submit,
    '/v1/jobs/{id}': {
      get: { summary: 'The job: status, progress, and its answer when done', parameters: id, responses: view },
      delete: {
        summary: 'Cancel: a running job stops and keeps its best verified plan',
        parameters: id,
        responses: view,
      },
    },
    '/v1/jobs/{id}/events': {
      get: {
        summary: 'Server-sent events: status, progress (in order), then end with the finished job',
        parameters: id,
        responses: {
          '200': { description: 'the stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
          ...errorResponses([401, 404, 500]),
        },
      },
    },
  };
}

/** The operations by tag: the use cases, jobs, the service's own routes, and the pages. */
const TAGS = [
  { name: 'solve', description: 'Plans, programs, evaluations and capacity questions, answered in the request' },
  {
    name: 'jobs',
    description: 'The same questions as jobs: submitted, watched, cancelled (BullMQ on Redis or in memory)',
  },
  { name: 'service', description: 'Probes, metrics, version and this document' },
  { name: 'pages', description: 'The web page and these docs, with the files they load' },
] as const;

function tagOf(path: string): (typeof TAGS)[number]['name'] {
  if (path.startsWith('/v1/jobs')) return 'jobs';
  if (/^\/v1\/(plan|solve|evaluate|capacity)$/.test(path)) return 'solve';
  if (['/v1/version', '/livez', '/readyz', '/healthz', '/metrics', '/openapi.json'].includes(path)) return 'service';
  return 'pages';
}

/** Every operation with its tag (Swagger UI groups them by it). */
function tagged(all: Json): Json {
  for (const [path, ops] of Object.entries(all))
    for (const op of Object.values(ops as Record<string, Json>)) op['tags'] = [tagOf(path)];
  return all;
}

/** `/v1/jobs/{id}` matches `/v1/jobs/42` (a template's `{name}` is one non-empty segment). */
export function templateMatches(template: string, path: string): boolean {
  const t = template.split('/');
  const p = path.split('/');
  return t.length === p.length && t.every((part, k) => (part.startsWith('{') ? p[k] !== '' : part === p[k]));
}

/** The methods the document gives a path (GET with HEAD), or undefined for a path it does not have. */
export function allowedMethods(path: string): string[] | undefined {
  const paths = openApiDocument()['paths'] as Record<string, Json>;
  const template = Object.keys(paths).find((t) => templateMatches(t, path));
  if (template === undefined) return undefined;
  const methods = Object.keys(paths[template]!).map((m) => m.toUpperCase());
  return methods.includes('GET') ? [...methods, 'HEAD'] : methods;
}

let document: Json | undefined;

export function openApiDocument(): Json {
  document ??= {
    openapi: '3.1.0',
    info: {
      title: 'optiplace',
      version: versionInfo().version,
      description:
        'Provably optimal container placement. Every plan is verified; `optimal` only when proven, otherwise ' +
        'the gap to a proven bound. Errors are `{"error": {code, message, issues}}`; the codes and their ' +
        'statuses are in `x-error-codes`.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    'x-error-codes': ERROR_CODES,
    tags: TAGS,
    paths: tagged(paths()),
    components: { schemas: { ...requestSchemas(), ...responseSchemas() } },
  };
  return document;
}
