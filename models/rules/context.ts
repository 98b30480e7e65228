import { HOSTNAME_KEY, type Snapshot } from '../snapshot.js';
import { selectorMatches, type LabelSelector, type Labels } from '../selectors.js';
import { own } from '../own.js';
import type { ContainerShapes } from '../shapes.js';
import type { TopologyTree } from '../model.js';

/**
 * What the rule compilers of the kinds share while a snapshot becomes a model: indices, the containers grouped by
 * label set, the topologies (cached by key), whether a container's node selector and affinity admit a node, and
 * the blocks a rule asks of the per-pair table. Compilers read the snapshot only through here and their own fields.
 */
export interface CompileContext {
  readonly s: Snapshot;
  readonly shapes: ContainerShapes;
  readonly n: number;
  readonly m: number;
  readonly groups: LabelGroup[];
  readonly topologies: Map<string, Topology>;
  /** Label groups by namespace and label pair, built on first use by `selected`. */
  groupIndex?: Map<string, LabelGroup[]>;
  readonly nodeMatches: (j: number, i: number) => boolean;
  /**
   * Asks the block table to keep container j off some nodes: 'none' (off every node) or 'key:' and a label key
   * (off the nodes without that label; kubernetes.io/hostname is on every node).
   */
  readonly block: (j: number, condition: string) => void;
  /** The network topology's levels, where options.topology names them. */
  readonly tree?: TopologyTree;
}

/**
 * Containers grouped by (namespace, labels), so a selector is evaluated once per distinct label set, not once per
 * container.
 */
export interface LabelGroup {
  readonly namespace: string;
  readonly labels: Labels;
  readonly members: number[];
}

/** The domains of a topology key (nodes grouped by their label value), and which nodes have the key. */
export interface Topology {
  readonly domains: number[][];
  readonly hasKey: boolean[];
}

export type Term = {
  readonly selector: LabelSelector;
  readonly topologyKey: string;
  readonly namespaces?: string[] | undefined;
};

export function labelGroups(s: Snapshot, shapes: ContainerShapes): LabelGroup[] {
  const byKey = new Map<string, LabelGroup>();
  const groupOf = shapes.first.map((j) => {
    const c = s.containers[j]!;
    const labels = c.labels ?? {};
    const key = JSON.stringify([
      c.namespace ?? '',
      Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    ]);
    let g = byKey.get(key);
    if (!g) byKey.set(key, (g = { namespace: c.namespace ?? '', labels, members: [] }));
    return g;
  });
  for (let j = 0; j < s.containers.length; j++) groupOf[shapes.shapeOf[j]!]!.members.push(j);
  return [...byKey.values()];
}

/** The domains of a topology key: nodes grouped by their label value; every node is its own hostname domain. */
export function topology(s: Snapshot, key: string, eligible: (i: number) => boolean = () => true): Topology {
  const byValue = new Map<string, number[]>();
  const hasKey = s.nodes.map(() => false);
  s.nodes.forEach((node, i) => {
    const value = own(node.labels, key) ?? (key === HOSTNAME_KEY ? node.name : undefined);
    if (value === undefined || !eligible(i)) return;
    hasKey[i] = true;
    const d = byValue.get(value);
    if (d) d.push(i);
    else byValue.set(value, [i]);
  });
  return { domains: [...byValue.values()], hasKey };
}

export const nsOf = (s: Snapshot, j: number): string => s.containers[j]!.namespace ?? '';

/** The containers a term selects (in its namespaces, default the owner's), in index order. */
export function selected(ctx: CompileContext, term: Term, owner: number): number[] {
  const namespaces = term.namespaces ?? [nsOf(ctx.s, owner)];
  const out = [...new Set(namespaces)]
    .flatMap((ns) => candidateGroups(ctx, ns, term.selector))
    .flatMap((g) => (selectorMatches(term.selector, g.labels) ? g.members : []));
  return out.sort((a, b) => a - b);
}

/**
 * The label groups of a namespace that can match a selector: those with its first matchLabels pair (from an index
 * built once), else every group of the namespace. Each is still checked against the whole selector.
 */
function candidateGroups(ctx: CompileContext, namespace: string, selector: LabelSelector): readonly LabelGroup[] {
  const first = Object.entries(selector.matchLabels ?? {})[0];
  const index = (ctx.groupIndex ??= indexGroups(ctx.groups));
  const key = first ? JSON.stringify([namespace, first[0], first[1]]) : JSON.stringify([namespace]);
  return index.get(key) ?? [];
}

/** Label groups by namespace, and by namespace and each of their label pairs. */
function indexGroups(groups: readonly LabelGroup[]): Map<string, LabelGroup[]> {
  const index = new Map<string, LabelGroup[]>();
  const add = (key: string, g: LabelGroup): void => {
    const list = index.get(key);
    if (list) list.push(g);
    else index.set(key, [g]);
  };
  for (const g of groups) {
    add(JSON.stringify([g.namespace]), g);
    for (const [k, v] of Object.entries(g.labels)) add(JSON.stringify([g.namespace, k, v]), g);
  }
  return index;
}

export function cachedTopology(ctx: CompileContext, key: string): Topology {
  let t = ctx.topologies.get(key);
  if (!t) ctx.topologies.set(key, (t = topology(ctx.s, key)));
  return t;
}

/** Owners of each distinct term (same selector, topology key and namespaces), in order of first appearance. */
export function termOwners(
  ctx: CompileContext,
  termsOf: (j: number) => readonly Term[] | undefined,
): { owners: number[]; term: Term }[] {
  const { s, shapes } = ctx;
  type Entry = { owners: number[]; term: Term };
  const byKey = new Map<string, Entry>();
  // A shape's containers have the same terms and namespace.
  const entriesOf = shapes.first.map((j) =>
    (termsOf(j) ?? []).map((t) => {
      const key = JSON.stringify([t.selector, t.topologyKey, t.namespaces ?? [nsOf(s, j)]]);
      let entry = byKey.get(key);
      if (!entry) byKey.set(key, (entry = { owners: [], term: t }));
      return entry;
    }),
  );
  for (let j = 0; j < s.containers.length; j++) for (const e of entriesOf[shapes.shapeOf[j]!]!) e.owners.push(j);
  return [...byKey.values()];
}
