import { arr, rec, type Json } from './json.js';

/**
 * The fuzzer's oracle for topology-aware groups (docs/topology.md), written from the documentation and sharing no
 * code with the service: the groups and their members (a container's own group, its topology.group or gang, and
 * every group its topology.within names), the hard rules (a member that does not run and stay goes only on nodes
 * with every level's label; a required level holds every placed member in one domain), and the topology part of
 * the objective (each group's spans, weighted so that one domain fewer at a level outweighs all below it, and with
 * keepFreeWeight w, w for each domain of keepFree's level that holds any container). Groups whose members all run
 * and stay ask nothing. Slices and keepFree's orders are not generated, so not checked.
 */

const HOSTNAME = 'kubernetes.io/hostname';

interface Group {
  readonly members: number[];
  required?: string;
}

/** The topology's levels, or none. */
const levelsOf = (body: Json): string[] => (rec(rec(body['options'])['topology'])['levels'] as string[]) ?? [];

/** Each group by name: its members and its required level (every member asks it alike: the schema checks that). */
function groupsOf(body: Json): Map<string, Group> {
  const groups = new Map<string, Group>();
  const join = (name: string, j: number, required: unknown): void => {
    const g = groups.get(name) ?? { members: [] };
    g.members.push(j);
    if (typeof required === 'string') g.required = required;
    groups.set(name, g);
  };
  arr(body['containers']).forEach((c, j) => {
    const t = rec(c['topology']);
    if (!c['topology']) return;
    join(String(t['group'] ?? c['gang']), j, t['required']);
    for (const e of arr(t['within'])) join(String(e['group']), j, e['required']);
  });
  return groups;
}

/** A node's domain of each level: its label values from the top, as one key; undefined from a missing label on. */
function domainsOf(node: Json, levels: readonly string[]): (string | undefined)[] {
  const labels = rec(node['labels']);
  const path: string[] = [];
  return levels.map((level) => {
    const value = Object.hasOwn(labels, level) ? labels[level] : level === HOSTNAME ? node['name'] : undefined;
    if (value === undefined || path.length < levels.indexOf(level)) return undefined;
    path.push(String(value));
    return JSON.stringify(path);
  });
}

/**
 * The plan's topology problems and its topology part (before the objective's topology weight). `at`: each
 * container's node name, null when unplaced.
 */
export function topologyCheck(body: Json, at: readonly (string | null)[]): { problems: string[]; part: number } {
  const levels = levelsOf(body);
  if (levels.length === 0) return { problems: [], part: 0 };
  const containers = arr(body['containers']);
  const nodes = new Map(arr(body['nodes']).map((n) => [String(n['name']), domainsOf(n, levels)]));
  const count = levels.map((_, l) => new Set([...nodes.values()].map((d) => d[l]).filter((d) => d !== undefined)).size);
  const problems: string[] = [];
  let part = 0;
  for (const [name, g] of groupsOf(body)) {
    if (g.members.every((j) => containers[j]!['pinned'] === true)) continue;
    const placed = g.members.filter((j) => at[j] !== null);
    for (const j of placed)
      if (containers[j]!['pinned'] !== true && nodes.get(at[j]!)!.includes(undefined))
        problems.push(`${String(containers[j]!['name'])} of group ${name} is on a node without every level's label`);
    const spans = levels.map((_, l) => new Set(placed.map((j) => nodes.get(at[j]!)![l]).filter((d) => d)).size);
    const r = g.required === undefined ? -1 : levels.indexOf(g.required);
    if (r >= 0 && spans[r]! > 1) problems.push(`group ${name} spans ${spans[r]} domains of ${g.required}`);
    const w = weights(count.map((c) => Math.min(g.members.length, c)));
    part += spans.reduce((t, s, l) => t + w[l]! * s, 0);
  }
  return { problems, part: part + keepFreePart(body, levels, nodes, at) };
}

/** keepFreeWeight times the domains of keepFree's level that hold a placed container (any), or 0. */
function keepFreePart(
  body: Json,
  levels: readonly string[],
  nodes: ReadonlyMap<string, (string | undefined)[]>,
  at: readonly (string | null)[],
): number {
  const t = rec(rec(body['options'])['topology']);
  const l = levels.indexOf(String(t['keepFree']));
  if (l < 0 || typeof t['keepFreeWeight'] !== 'number') return 0;
  const used = new Set(at.flatMap((node) => (node === null ? [] : [nodes.get(node)?.[l]])).filter((d) => d));
  return t['keepFreeWeight'] * used.size;
}

/** w_L = 1 at the lowest level; above, w_l = 1 + Σ over lower levels l' of w_l' (most_l' − 1). */
function weights(most: readonly number[]): number[] {
  const w = most.map(() => 1);
  for (let l = most.length - 2; l >= 0; l--) for (let k = l + 1; k < most.length; k++) w[l]! += w[k]! * (most[k]! - 1);
  return w;
}

/** options.objective.topology where the objective is given as weights (the fuzzer gives it so with groups); else 0. */
export function topologyWeight(body: Json): number {
  const o = rec(body['options'])['objective'];
  return typeof o === 'object' && o !== null ? Number(rec(o)['topology'] ?? 0) : 0;
}
