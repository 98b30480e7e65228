import type { PathIssue } from './path.js';
import type { SwarmInput, SwarmNode, SwarmResources, SwarmTask } from './swarm-schema.js';
import { TASK_STATES } from './swarm-schema.js';
import { parseConstraint, type Constraint } from './swarm-constraints.js';

/**
 * What the Swarm converter (models/swarm.ts) and Swarm's own greedy (solver/swarm.ts) read of the inspect
 * documents, with swarmkit's meaning, and the neutral description of a Swarm cluster that the greedy walks.
 */

/** The label every task container carries, as Docker sets it: its service's name. */
export const SERVICE_LABEL = 'com.docker.swarm.service.name';
/** Synthetic node labels: the nodes that meet a placement, the values of a preference level, a node's own key. */
export const PLACEMENT = 'swarm.placement/';
export const SPREAD = 'swarm.spread/';
export const NODE_KEY = 'swarm.node';

export interface SwarmServiceView {
  readonly name: string;
  /** The node indices that meet its constraints and platforms. */
  readonly eligible: Uint8Array;
  /** Per preference level, each node's value ("" without the label). */
  readonly preferences: readonly (readonly string[])[];
  readonly maxReplicas: number;
  /** Host-mode published ports ("tcp/8080"). */
  readonly ports: readonly string[];
  readonly request: readonly bigint[];
  /** The tasks to place: container names, with the node a global one is for. */
  readonly pending: readonly { readonly name: string; readonly node?: number }[];
}

export interface SwarmCluster {
  /** Per node: its name, whether it takes new tasks, its capacity (NanoCPUs, MemoryBytes, then generic kinds). */
  readonly nodes: readonly {
    readonly name: string;
    readonly takesTasks: boolean;
    readonly capacity: readonly bigint[];
  }[];
  readonly services: readonly SwarmServiceView[];
  /** Tasks that run and stay: their container, node, service (-1: none listed), request and ports. */
  readonly running: readonly {
    readonly node: number;
    readonly service: number;
    readonly active: boolean;
    readonly request: readonly bigint[];
    readonly ports: readonly string[];
  }[];
}

/** Amounts per resource name of Swarm resources: NanoCPUs, MemoryBytes, each generic kind. */
export function amounts(r: SwarmResources | null | undefined): Map<string, bigint> {
  const out = new Map<string, bigint>();
  const add = (k: string, v: bigint): void => void out.set(k, (out.get(k) ?? 0n) + v);
  if (r?.NanoCPUs) add('NanoCPUs', BigInt(r.NanoCPUs));
  if (r?.MemoryBytes) add('MemoryBytes', BigInt(r.MemoryBytes));
  for (const g of r?.GenericResources ?? []) {
    if (g.DiscreteResourceSpec) add(g.DiscreteResourceSpec.Kind, BigInt(g.DiscreteResourceSpec.Value));
    if (g.NamedResourceSpec) add(g.NamedResourceSpec.Kind, 1n);
  }
  return out;
}

const takesTasks = (n: SwarmNode): boolean =>
  (n.Status?.State ?? 'ready') === 'ready' && (n.Spec?.Availability ?? 'active') === 'active';
/** A drained or down node loses its tasks (the orchestrators shut them down). */
const losesTasks = (n: SwarmNode): boolean => n.Spec?.Availability === 'drain' || n.Status?.State === 'down';

/** Node names: the hostname where it is unique, else the ID. */
function nodeNames(input: SwarmInput): string[] {
  const count = new Map<string, number>();
  for (const n of input.nodes) {
    const h = n.Description?.Hostname;
    if (h) count.set(h, (count.get(h) ?? 0) + 1);
  }
  const ids = new Set(input.nodes.map((n) => n.ID));
  return input.nodes.map((n) => {
    const h = n.Description?.Hostname;
    return h && count.get(h) === 1 && (h === n.ID || !ids.has(h)) ? h : n.ID;
  });
}

/** Each service's parsed constraints; unparsable ones are issues at their path. */
function constraintsOf(input: SwarmInput, issues: PathIssue[]): Constraint[][] {
  return input.services.map((s, k) =>
    (s.Spec.TaskTemplate?.Placement?.Constraints ?? []).flatMap((expr, t) => {
      const c = parseConstraint(expr);
      if ('error' in c) {
        const path = ['services', k, 'Spec', 'TaskTemplate', 'Placement', 'Constraints', t];
        issues.push({ path, message: `${c.error} (swarmkit refuses "${expr}")` });
        return [];
      }
      return [c];
    }),
  );
}

/** Host-mode published ports of a service or task endpoint, as "protocol/port". */
function hostPorts(
  ports: readonly {
    Protocol?: string | undefined;
    PublishedPort?: number | undefined;
    PublishMode?: string | undefined;
  }[],
): string[] {
  return ports.flatMap((p) =>
    p.PublishMode === 'host' && p.PublishedPort ? [`${p.Protocol ?? 'tcp'}/${p.PublishedPort}`] : [],
  );
}

const stateAt = (s: (typeof TASK_STATES)[number]): number => TASK_STATES.indexOf(s);

/** Tasks that use their node: assigned to it, between pending and running (swarmkit's setupTasksList). */
function occupies(t: SwarmTask): boolean {
  const s = stateAt(t.Status.State);
  return !!t.NodeID && s >= stateAt('pending') && s <= stateAt('running');
}

/** A task its service counts (desired state at most complete, swarmkit's ActiveTasksCount). */
const activeTask = (t: SwarmTask): boolean => stateAt(t.DesiredState ?? 'running') <= stateAt('complete');

export { constraintsOf, hostPorts, losesTasks, nodeNames, occupies, activeTask, takesTasks };
