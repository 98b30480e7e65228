import { z } from 'zod';
import { SnapshotOptionsSchema } from './snapshot.js';
import './messages.js';

/**
 * Docker Swarm's own JSON, as `docker node inspect`, `docker service inspect` and `docker inspect` of tasks print
 * it (the Engine API's Node, Service and Task objects). Only what swarmkit's scheduler and orchestrators read is
 * checked; every other field is let through, and models/swarm.ts names in a note what it does not model.
 */

/** An int64 that a JSON number holds exactly. */
const Count = z.number().int('must be a whole number').min(0, 'must not be negative').max(Number.MAX_SAFE_INTEGER);

const Labels = z.record(z.string(), z.string()).nullish();

/** Generic resources: a named one is one unit of its kind (a GPU by its UUID), a discrete one a count. */
export const GenericResourceSchema = z.looseObject({
  NamedResourceSpec: z.looseObject({ Kind: z.string().min(1, 'must not be empty'), Value: z.string() }).optional(),
  DiscreteResourceSpec: z.looseObject({ Kind: z.string().min(1, 'must not be empty'), Value: Count }).optional(),
});

export const SwarmResourcesSchema = z.looseObject({
  NanoCPUs: Count.optional(),
  MemoryBytes: Count.optional(),
  GenericResources: z.array(GenericResourceSchema).nullish(),
});

const Platform = z.looseObject({ Architecture: z.string().optional(), OS: z.string().optional() });

export const SwarmNodeSchema = z.looseObject({
  ID: z.string().min(1, 'must not be empty'),
  Spec: z
    .looseObject({
      Labels,
      Role: z.enum(['worker', 'manager']).optional(),
      Availability: z.enum(['active', 'pause', 'drain']).optional(),
    })
    .optional(),
  Description: z
    .looseObject({
      Hostname: z.string().optional(),
      Platform: Platform.optional(),
      Resources: SwarmResourcesSchema.optional(),
      Engine: z.looseObject({ Labels }).optional(),
    })
    .optional(),
  Status: z
    .looseObject({
      State: z.enum(['unknown', 'down', 'ready', 'disconnected']).optional(),
      Addr: z.string().optional(),
    })
    .optional(),
});

const Port = z.looseObject({
  Protocol: z.enum(['tcp', 'udp', 'sctp']).optional(),
  PublishedPort: Count.optional(),
  PublishMode: z.enum(['ingress', 'host']).optional(),
});

export const PlacementSchema = z.looseObject({
  Constraints: z.array(z.string()).nullish(),
  Preferences: z.array(z.looseObject({ Spread: z.looseObject({ SpreadDescriptor: z.string() }).optional() })).nullish(),
  MaxReplicas: Count.optional(),
  Platforms: z.array(Platform).nullish(),
});

const TaskSpec = z.looseObject({
  Resources: z.looseObject({ Reservations: SwarmResourcesSchema.nullish() }).nullish(),
  Placement: PlacementSchema.nullish(),
});

export const SwarmServiceSchema = z.looseObject({
  ID: z.string().min(1, 'must not be empty'),
  Spec: z.looseObject({
    Name: z.string().min(1, 'must not be empty'),
    TaskTemplate: TaskSpec.optional(),
    Mode: z
      .looseObject({
        Replicated: z.looseObject({ Replicas: Count.optional() }).optional(),
        Global: z.looseObject({}).optional(),
        ReplicatedJob: z.looseObject({}).optional(),
        GlobalJob: z.looseObject({}).optional(),
      })
      .optional(),
    EndpointSpec: z.looseObject({ Ports: z.array(Port).nullish() }).nullish(),
  }),
});

/** swarmkit's task states, in their order (api/types.proto TaskState). */
export const TASK_STATES = [
  'new',
  'pending',
  'assigned',
  'accepted',
  'preparing',
  'ready',
  'starting',
  'running',
  'complete',
  'shutdown',
  'failed',
  'rejected',
  'remove',
  'orphaned',
] as const;

export const SwarmTaskSchema = z.looseObject({
  ID: z.string().min(1, 'must not be empty'),
  ServiceID: z.string().optional(),
  NodeID: z.string().optional(),
  Slot: Count.optional(),
  Spec: TaskSpec.optional(),
  Status: z.looseObject({ State: z.enum(TASK_STATES) }),
  DesiredState: z.enum(TASK_STATES).optional(),
  Endpoint: z.looseObject({ Ports: z.array(Port).nullish() }).nullish(),
});

/**
 * A row of `docker service ps --format json` (Name "web.1", or "web.<node ID>" for a global task; Node its
 * hostname, or its ID with --no-resolve; the states as words, "Running 2 hours ago") as a task object, where the
 * services and nodes name it; otherwise as it is (the task schema then says what is missing).
 */
export function taskFromPsRow(row: unknown, services: readonly unknown[], nodes: readonly unknown[]): unknown {
  const r = row as Record<string, unknown>;
  if (typeof r !== 'object' || r === null || !('CurrentState' in r) || 'Status' in r) return row;
  const name = String(r['Name'] ?? '').replace(/^\\_ /, '');
  const cut = name.lastIndexOf('.');
  const [service, suffix] = [name.slice(0, cut), name.slice(cut + 1)];
  const spec = (o: unknown) => ((o as { Spec?: { Name?: unknown } })?.Spec ?? {}) as Record<string, unknown>;
  const serviceId = (services.find((x) => spec(x)['Name'] === service) as { ID?: unknown } | undefined)?.ID;
  const node = nodes.find((x) => {
    const n = x as { ID?: unknown; Description?: { Hostname?: unknown } };
    return n?.ID === r['Node'] || n?.Description?.Hostname === r['Node'];
  }) as { ID?: unknown } | undefined;
  const word = (v: unknown): string =>
    String(v ?? '')
      .split(' ')[0]!
      .toLowerCase();
  return {
    ID: r['ID'],
    ServiceID: serviceId ?? `(no service named ${service})`,
    ...(r['Node'] ? { NodeID: node?.ID ?? r['Node'] } : {}),
    ...(/^\d+$/.test(suffix) ? { Slot: Number(suffix) } : {}),
    Status: { State: word(r['CurrentState']) },
    DesiredState: word(r['DesiredState']),
  };
}

/** Which running tasks may move: "all" or none (default: they stay where they run). */
export const SwarmOptionsSchema = SnapshotOptionsSchema.extend({ movable: z.literal('all').optional() });

export const SwarmInputSchema = z.strictObject({
  nodes: z.array(SwarmNodeSchema).min(1, 'at least one node is required'),
  services: z.array(SwarmServiceSchema),
  tasks: z.array(SwarmTaskSchema).optional(),
  options: SwarmOptionsSchema.optional(),
});

export type SwarmInput = z.infer<typeof SwarmInputSchema>;
export type SwarmNode = z.infer<typeof SwarmNodeSchema>;
export type SwarmService = z.infer<typeof SwarmServiceSchema>;
export type SwarmTask = z.infer<typeof SwarmTaskSchema>;
export type SwarmResources = z.infer<typeof SwarmResourcesSchema>;
export type SwarmPlacement = z.infer<typeof PlacementSchema>;

/** A body in Swarm's form: `services` beside `nodes` (a plain snapshot has `containers`). */
export function isSwarmInput(body: unknown): boolean {
  return typeof body === 'object' && body !== null && 'services' in body && !('containers' in body);
}
