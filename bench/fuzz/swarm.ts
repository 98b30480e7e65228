import fc from 'fast-check';
import { arr, rec, type Json } from './json.js';

/**
 * Docker Swarm bodies for the fuzzer, and the oracle that checks their answers with swarmkit's rules, sharing no
 * code with the service (models/swarm*.ts): which nodes take new tasks, reservations within capacity where a new
 * task goes, constraints of a small grammar, MaxReplicas, host-mode ports, a global task only on its node, running
 * tasks staying, and Swarm's plan beside the answer never better than a proven optimum. Amounts reach
 * Number.MAX_SAFE_INTEGER, so exactness and the precision refusals are exercised too.
 */

const BIG = Number.MAX_SAFE_INTEGER;
const nano = fc.constantFrom(0, 5e8, 1e9, 3e9, 4e9, 2 ** 52, BIG);
const bytes = fc.constantFrom(0, 2 ** 28, 2 ** 30, 2 ** 33, BIG);
const CONSTRAINTS = [
  'node.labels.zone==a',
  'node.labels.zone!=A',
  'node.labels.tier==gold',
  'node.role==manager',
  'node.role!=manager',
  'node.hostname!=h0',
];

const nodeArb = (i: number) =>
  fc
    .record({
      dupHost: fc.boolean(),
      role: fc.constantFrom('worker', 'manager'),
      availability: fc.constantFrom('active', 'active', 'active', 'pause', 'drain'),
      state: fc.constantFrom('ready', 'ready', 'ready', 'down', 'unknown'),
      zone: fc.constantFrom(undefined, 'a', 'b'),
      tier: fc.constantFrom(undefined, 'Gold', 'silver'),
      cpu: nano,
      mem: bytes,
      gpus: fc.nat(2),
    })
    .map((o) => ({
      ID: `id${i}`,
      Spec: {
        Labels: { ...(o.zone ? { zone: o.zone } : {}), ...(o.tier ? { tier: o.tier } : {}) },
        Role: o.role,
        Availability: o.availability,
      },
      Description: {
        Hostname: o.dupHost ? 'dup' : `h${i}`,
        Resources: {
          NanoCPUs: o.cpu,
          MemoryBytes: o.mem,
          GenericResources: Array.from({ length: o.gpus }, (_, g) => ({
            NamedResourceSpec: { Kind: 'GPU', Value: `g${i}-${g}` },
          })),
        },
      },
      Status: { State: o.state },
    }));

const serviceArb = (k: number) =>
  fc
    .record({
      global: fc.boolean(),
      replicas: fc.nat(4),
      cpu: nano,
      mem: bytes,
      gpu: fc.nat(1),
      constraint: fc.option(fc.constantFrom(...CONSTRAINTS), { nil: undefined }),
      max: fc.nat(2),
      spread: fc.boolean(),
      port: fc.boolean(),
    })
    .map((o) => ({
      ID: `sid${k}`,
      Spec: {
        Name: `s${k}`,
        TaskTemplate: {
          Resources: {
            Reservations: {
              NanoCPUs: o.cpu,
              MemoryBytes: o.mem,
              ...(o.gpu ? { GenericResources: [{ DiscreteResourceSpec: { Kind: 'GPU', Value: o.gpu } }] } : {}),
            },
          },
          Placement: {
            ...(o.constraint ? { Constraints: [o.constraint] } : {}),
            ...(o.spread ? { Preferences: [{ Spread: { SpreadDescriptor: 'node.labels.zone' } }] } : {}),
            ...(o.max ? { MaxReplicas: o.max } : {}),
          },
        },
        Mode: o.global ? { Global: {} } : { Replicated: { Replicas: o.replicas } },
        ...(o.port ? { EndpointSpec: { Ports: [{ Protocol: 'tcp', PublishedPort: 80, PublishMode: 'host' }] } } : {}),
      },
    }));

/** A swarm of 1–4 nodes and 1–3 services, some tasks running (on any node: some on drained or down ones). */
export const swarmArb: fc.Arbitrary<Json> = fc
  .record({ n: fc.integer({ min: 1, max: 4 }), k: fc.integer({ min: 1, max: 3 }) })
  .chain(({ n, k }) =>
    fc.record({
      nodes: fc.tuple(...Array.from({ length: n }, (_, i) => nodeArb(i))),
      services: fc.tuple(...Array.from({ length: k }, (_, s) => serviceArb(s))),
      running: fc.array(fc.record({ s: fc.nat(k - 1), node: fc.nat(n - 1), stopping: fc.boolean() }), { maxLength: 3 }),
      allowUnplaced: fc.boolean(),
      solver: fc.constantFrom('auto', 'auto', 'greedy'),
    }),
  )
  .map((o) => ({
    nodes: o.nodes,
    services: o.services,
    tasks: o.running.map((r, t) => ({
      ID: `t${t}`,
      ServiceID: `sid${r.s}`,
      NodeID: `id${r.node}`,
      Slot: 10 + t,
      Status: { State: 'running' },
      DesiredState: r.stopping ? 'shutdown' : 'running',
    })),
    options: { allowUnplaced: o.allowUnplaced, solver: o.solver, timeLimitMs: 3000 },
  }));

interface Node {
  name: string;
  takes: boolean;
  loses: boolean;
  role: string;
  host: string;
  labels: Record<string, string>;
  cap: Record<string, number>;
}

function nodesOf(body: Json): Node[] {
  const hosts = arr(body['nodes']).map((n) => String(rec(n['Description'])['Hostname']));
  return arr(body['nodes']).map((n, i) => {
    const spec = rec(n['Spec']);
    const res = rec(rec(n['Description'])['Resources']);
    const state = rec(n['Status'])['State'];
    const cap: Record<string, number> = { NanoCPUs: Number(res['NanoCPUs']), MemoryBytes: Number(res['MemoryBytes']) };
    cap['GPU'] = arr(res['GenericResources']).length;
    return {
      name: hosts.filter((h) => h === hosts[i]).length === 1 ? hosts[i]! : String(n['ID']),
      takes: state === 'ready' && spec['Availability'] === 'active',
      loses: state === 'down' || spec['Availability'] === 'drain',
      role: String(spec['Role']),
      host: hosts[i]!,
      labels: rec(spec['Labels']) as Record<string, string>,
      cap,
    };
  });
}

/** The small constraint grammar: values compare case-insensitively, a missing label is "". */
function meets(constraint: string | undefined, node: Node): boolean {
  if (!constraint) return true;
  const [key, value] = constraint.split(/==|!=/) as [string, string];
  const equal = constraint.includes('==');
  const what = key.startsWith('node.labels.')
    ? (node.labels[key.slice('node.labels.'.length)] ?? '')
    : key === 'node.role'
      ? node.role
      : node.host;
  return (what.toLowerCase() === value.toLowerCase()) === equal;
}

interface Service {
  name: string;
  global: boolean;
  req: Record<string, number>;
  constraint?: string;
  max: number;
  port: boolean;
}

function servicesOf(body: Json): Service[] {
  return arr(body['services']).map((s) => {
    const spec = rec(s['Spec']);
    const t = rec(spec['TaskTemplate']);
    const r = rec(rec(t['Resources'])['Reservations']);
    const p = rec(t['Placement']);
    const gpu = arr(r['GenericResources']).reduce((x, g) => x + Number(rec(g['DiscreteResourceSpec'])['Value']), 0);
    return {
      name: String(spec['Name']),
      global: 'Global' in rec(spec['Mode']),
      req: { NanoCPUs: Number(r['NanoCPUs']), MemoryBytes: Number(r['MemoryBytes']), GPU: gpu },
      ...(p['Constraints'] ? { constraint: String(arr(p['Constraints'])[0]) } : {}),
      max: Number(p['MaxReplicas'] ?? 0),
      port: !!spec['EndpointSpec'],
    };
  });
}

interface Running {
  /** Container name → the node it stays on. */
  readonly stays: Map<string, string>;
  /** Those whose desired state is past complete: they use their reservations, but do not count for MaxReplicas. */
  readonly stopping: Set<string>;
}

/** Why a plan (answer assignments) breaks Swarm's rules, given the running tasks. */
function planProblems(label: string, body: Json, assignments: Json[], running: Running): string[] {
  const nodes = nodesOf(body);
  const services = servicesOf(body);
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const problems: string[] = [];
  const on = new Map<string, { svc: Service; fresh: boolean; active: boolean }[]>();
  for (const a of assignments) {
    const container = String(a['container']);
    const node = byName.get(String(a['node']));
    const svc = services.find((s) => container.startsWith(`${s.name}.`));
    if (!node || !svc) {
      if (!container.startsWith('task ')) problems.push(`${label}: ${container} on unknown ${String(a['node'])}`);
      continue;
    }
    const stays = running.stays.get(container);
    if (stays !== undefined && stays !== node.name) problems.push(`${label}: running ${container} moved`);
    const fresh = stays === undefined;
    if (fresh && !node.takes) problems.push(`${label}: new ${container} on ${node.name}, which takes no tasks`);
    if (fresh && !meets(svc.constraint, node)) problems.push(`${label}: ${container} breaks ${svc.constraint}`);
    if (fresh && svc.global && !new RegExp(`^${svc.name}\\.${node.name}(\\.\\d+)?$`).test(container))
      problems.push(`${label}: global ${container} on ${node.name}`);
    on.set(node.name, [...(on.get(node.name) ?? []), { svc, fresh, active: !running.stopping.has(container) }]);
  }
  for (const [name, list] of on) {
    if (!list.some((t) => t.fresh)) continue;
    const node = byName.get(name)!;
    // swarmkit's resource filter: a task that reserves anything needs NanoCPUs and MemoryBytes (and what it asks)
    // free, counting every task on the node.
    const fresh = list.filter((t) => t.fresh && Object.values(t.svc.req).some((v) => v > 0));
    const checked = fresh.length > 0 ? ['NanoCPUs', 'MemoryBytes'] : [];
    if (fresh.some((t) => t.svc.req['GPU']! > 0)) checked.push('GPU');
    for (const r of checked)
      if (list.reduce((t, x) => t + x.svc.req[r]!, 0) > node.cap[r]!) problems.push(`${label}: ${name} over ${r}`);
    for (const s of new Set(list.filter((t) => t.fresh).map((t) => t.svc)))
      if (s.max > 0 && list.filter((t) => t.svc === s && t.active).length > s.max)
        problems.push(`${label}: ${name} holds more than ${s.max} of ${s.name}`);
    if (list.filter((t) => t.svc.port).length > 1 && list.some((t) => t.fresh && t.svc.port))
      problems.push(`${label}: two tasks on ${name} publish port 80`);
  }
  return problems;
}

/** The running tasks that stay (on a node that keeps its tasks), named as Docker names tasks. */
function runningOf(body: Json): Running {
  const nodes = nodesOf(body);
  const services = servicesOf(body);
  const stays = new Map<string, string>();
  const stopping = new Set<string>();
  for (const t of arr(body['tasks'])) {
    const i = Number(String(t['NodeID']).slice(2));
    const s = services[Number(String(t['ServiceID']).slice(3))]!;
    if (nodes[i]!.loses) continue;
    const own = s.global ? `${s.name}.${nodes[i]!.name}` : `${s.name}.${String(t['Slot'])}`;
    const name = stays.has(own) ? `${s.name}.${String(t['ID'])}` : own;
    stays.set(name, nodes[i]!.name);
    if (t['DesiredState'] !== 'running') stopping.add(name);
  }
  return { stays, stopping };
}

/** Every problem the oracle finds with a 200 answer to a Swarm body. */
export function swarmProblems(body: Json, json: Json): string[] {
  const status = json['status'];
  const running = runningOf(body);
  const problems: string[] = [];
  const complete = status === 'optimal' || status === 'feasible';
  if (complete) problems.push(...planProblems(`${String(status)} plan`, body, arr(json['assignments']), running));
  const swarm = rec(json['swarm']);
  if (swarm['valid'] !== true) problems.push(`Swarm's plan is not valid: ${JSON.stringify(swarm['violations'])}`);
  problems.push(...planProblems("Swarm's plan", body, arr(swarm['assignments']), running));
  const [best, theirs] = [json['objective'], swarm['objective']];
  if (
    status === 'optimal' &&
    typeof best === 'number' &&
    typeof theirs === 'number' &&
    best > theirs + 1e-6 * Math.max(1, Math.abs(theirs))
  )
    problems.push(`optimal ${best} is worse than Swarm's ${theirs}`);
  if (status === 'optimal' && json['gap'] !== 0) problems.push(`optimal with gap ${String(json['gap'])}`);
  return problems;
}
