import { RE2JS } from 're2js';
import { z } from 'zod';
import './messages.js';
import type { PathIssue } from './path.js';
import { LabelSelectorSchema, selectorMatches, type Labels } from './selectors.js';
import type { ContainerTopology } from './snapshot.js';

/**
 * Volcano's network topology (volcano-sh/apis at 536f121f, docs/topology.md): HyperNodes
 * (topology.volcano.sh/v1alpha1) form a tree over the nodes, tier 1 nearest the nodes; a PodGroup
 * (scheduling.volcano.sh/v1beta1) with spec.networkTopology {mode: hard, highestTierAllowed: N} keeps its job
 * within one HyperNode of tier N or below. Here every tier becomes a level, top down, through a label the
 * conversion gives each node (HYPERNODE_LABEL and the tier: the name of the node's HyperNode of that tier), and
 * a hard PodGroup's group requires the level of the highest tier at or below N, and so does each sub-group of its
 * spec.subGroupPolicy with a hard network topology of its own. Soft mode asks for nothing more than every
 * topology-aware group gets (the fewest domains at every level).
 */
export const HYPERNODE_LABEL = 'volcano.sh/hypernode-tier-';

/** Most overlapping HyperNodes named in the issues. */
const MAX_OVERLAPS = 20;

const Selector = z.looseObject({
  exactMatch: z.looseObject({ name: z.string().min(1) }).optional(),
  regexMatch: z.looseObject({ pattern: z.string().min(1) }).optional(),
  labelMatch: LabelSelectorSchema.optional(),
});

export const HyperNodeSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.literal('HyperNode').optional(),
  metadata: z.looseObject({ name: z.string().min(1, 'must not be empty') }),
  spec: z.looseObject({
    tier: z.number().int().min(0, 'must be at least 0'),
    tierName: z.string().optional(),
    members: z.array(z.looseObject({ type: z.enum(['Node', 'HyperNode']), selector: Selector })).min(1),
  }),
});

const NetworkTopology = z.looseObject({
  mode: z.enum(['hard', 'soft']).optional(),
  highestTierAllowed: z.number().int().optional(),
  highestTierName: z.string().optional(),
});

export const VolcanoPodGroupSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.literal('PodGroup').optional(),
  metadata: z.looseObject({ name: z.string().min(1), namespace: z.string().optional() }),
  spec: z
    .looseObject({
      networkTopology: NetworkTopology.optional(),
      subGroupPolicy: z
        .array(
          z.looseObject({
            name: z.string().optional(),
            networkTopology: NetworkTopology.optional(),
            subGroupSize: z.number().int().optional(),
            minSubGroups: z.number().int().optional(),
            labelSelector: LabelSelectorSchema.optional(),
            matchLabelKeys: z.array(z.string()).optional(),
          }),
        )
        .optional(),
    })
    .optional(),
});

export type HyperNode = z.infer<typeof HyperNodeSchema>;
export type VolcanoPodGroup = z.infer<typeof VolcanoPodGroupSchema>;

export interface VolcanoTopology {
  /** The levels, top down: a label per tier, then kubernetes.io/hostname. */
  readonly levels: string[];
  /** The labels each node gets: its HyperNode per tier. */
  readonly labels: ReadonlyMap<string, Labels>;
  /** The tiers, top down (levels[k] is tiers[k]). */
  readonly tiers: number[];
  readonly tierNames: Map<string, number>;
}

/** The nodes of each HyperNode (through its HyperNode members), and per node its HyperNode of each tier. */
export function volcanoTopology(
  hyperNodes: readonly HyperNode[],
  nodes: readonly { name: string; labels: Labels }[],
  issues: PathIssue[],
): VolcanoTopology | undefined {
  if (hyperNodes.length === 0) return undefined;
  const { patterns, issues: bad } = compileAll(hyperNodes);
  if (bad.length > 0) {
    issues.push(...bad);
    return undefined;
  }
  const nodesOf = nodeSets(hyperNodes, nodes, patterns);
  const tiers = [...new Set(hyperNodes.map((h) => h.spec.tier))].sort((a, b) => b - a);
  const labels = new Map<string, Record<string, string>>(nodes.map((n) => [n.name, {}]));
  let overlaps = 0;
  hyperNodes.forEach((h, k) => {
    for (const n of nodesOf[k]!) {
      const key = `${HYPERNODE_LABEL}${h.spec.tier}`;
      const own = labels.get(n)!;
      // The first overlaps say enough (a long chain of one tier would name every link).
      if (own[key] !== undefined && own[key] !== h.metadata.name && overlaps++ < MAX_OVERLAPS)
        issues.push({
          path: ['hyperNodeList', 'items', k, 'spec', 'members'],
          message:
            `node "${n}" is also in HyperNode "${own[key]}" of tier ${h.spec.tier}: ` +
            'HyperNodes of one tier must not overlap',
        });
      own[key] = h.metadata.name;
    }
  });
  const tierNames = new Map(hyperNodes.flatMap((h) => (h.spec.tierName ? [[h.spec.tierName, h.spec.tier]] : [])));
  return {
    levels: [...tiers.map((t) => `${HYPERNODE_LABEL}${t}`), 'kubernetes.io/hostname'],
    labels,
    tiers,
    tierNames,
  };
}

/**
 * The nodes of each HyperNode, through its HyperNode members, without recursion (a chain of HyperNodes may be long)
 * and with each HyperNode's set built once. A member naming a HyperNode exactly is found by name; other HyperNode
 * members are matched against every HyperNode (counted in the size limits). A cycle adds nothing more.
 */
function nodeSets(
  hyperNodes: readonly HyperNode[],
  nodes: readonly { name: string; labels: Labels }[],
  patterns: ReadonlyMap<string, RE2JS>,
): Set<string>[] {
  const byName = new Map(hyperNodes.map((h, k) => [h.metadata.name, k]));
  const children = hyperNodes.map((h) =>
    h.spec.members.flatMap((m) => {
      if (m.type !== 'HyperNode') return [];
      const exact = m.selector.exactMatch?.name;
      if (exact !== undefined) return byName.has(exact) ? [byName.get(exact)!] : [];
      return hyperNodes.flatMap((c, k) =>
        selects(m.selector, { name: c.metadata.name, labels: {} }, patterns) ? [k] : [],
      );
    }),
  );
  const own = hyperNodes.map((h) => {
    const out = new Set<string>();
    for (const m of h.spec.members)
      if (m.type === 'Node') for (const n of nodes) if (selects(m.selector, n, patterns)) out.add(n.name);
    return out;
  });
  // Children before parents (depth first, post-order), each set built once from its children's.
  const sets: (Set<string> | undefined)[] = hyperNodes.map(() => undefined);
  const state = new Uint8Array(hyperNodes.length);
  for (let root = 0; root < hyperNodes.length; root++) {
    const stack: number[] = [root];
    while (stack.length > 0) {
      const k = stack[stack.length - 1]!;
      if (state[k] === 0) {
        state[k] = 1;
        for (const c of children[k]!) if (state[c] === 0) stack.push(c);
        continue;
      }
      stack.pop();
      if (state[k] === 2) continue;
      state[k] = 2;
      const out = own[k]!;
      for (const c of children[k]!) for (const n of sets[c] ?? []) out.add(n);
      sets[k] = out;
    }
  }
  return sets.map((x) => x ?? new Set<string>());
}

/**
 * Whether a member selector picks the node (or HyperNode, by name). A regexMatch is Go's regexp.MatchString: RE2
 * syntax, matched anywhere in the name, in linear time (re2js: a JavaScript RegExp could backtrack for ever).
 */
function selects(
  s: z.infer<typeof Selector>,
  n: { name: string; labels: Labels },
  patterns: ReadonlyMap<string, RE2JS>,
): boolean {
  if (s.exactMatch) return s.exactMatch.name === n.name;
  if (s.regexMatch) return patterns.get(s.regexMatch.pattern)?.matcher(n.name).find() ?? false;
  return s.labelMatch ? selectorMatches(s.labelMatch, n.labels) : false;
}

/** The pattern compiled (undefined: not valid RE2). */
function compiled(pattern: string): RE2JS | undefined {
  try {
    return RE2JS.compile(pattern);
  } catch {
    return undefined;
  }
}

/** The regexMatch patterns compiled, and those that are not valid RE2 (Volcano's admission refuses them too). */
function compileAll(hyperNodes: readonly HyperNode[]): { patterns: Map<string, RE2JS>; issues: PathIssue[] } {
  const patterns = new Map<string, RE2JS>();
  const issues = hyperNodes.flatMap((h, k) =>
    h.spec.members.flatMap((m, t) => {
      const pattern = m.selector.regexMatch?.pattern;
      if (pattern === undefined) return [];
      const re = patterns.get(pattern) ?? compiled(pattern);
      if (re) {
        patterns.set(pattern, re);
        return [];
      }
      const path = ['hyperNodeList', 'items', k, 'spec', 'members', t, 'selector', 'regexMatch', 'pattern'];
      return [{ path, message: 'not a valid regular expression (RE2 syntax, as Go reads it)' }];
    }),
  );
  return { patterns, issues };
}

/** A hard PodGroup's requirement: the level of the highest tier at or below highestTierAllowed (or its name). */
export function volcanoRequirement(
  group: VolcanoPodGroup | undefined,
  topology: VolcanoTopology | undefined,
  path: PathIssue['path'],
  issues: PathIssue[],
): ContainerTopology | undefined {
  return networkRequirement(group?.spec?.networkTopology, topology, path, issues);
}

/**
 * The pod's sub-group of its Volcano PodGroup (spec.subGroupPolicy): the first policy whose labelSelector matches
 * the pod (none: every pod of the group) and whose matchLabelKeys it carries; its pods are those with the same
 * values of those keys. A hard network topology of the policy is the sub-group's required level; undefined
 * where the pod is in no such sub-group.
 */
export function volcanoSubGroup(
  group: VolcanoPodGroup | undefined,
  pod: { metadata: { namespace?: string | undefined; labels?: Record<string, string> | undefined } },
  topology: VolcanoTopology | undefined,
  path: PathIssue['path'],
  issues: PathIssue[],
): ContainerTopology | undefined {
  const labels = pod.metadata.labels ?? {};
  const policy = (group?.spec?.subGroupPolicy ?? []).find(
    (p) =>
      (!p.labelSelector || selectorMatches(p.labelSelector, labels)) &&
      (p.matchLabelKeys ?? []).every((k) => k in labels),
  );
  if (!group || !policy) return undefined;
  const required = networkRequirement(policy.networkTopology, topology, path, issues);
  if (!required) return undefined;
  const values = (policy.matchLabelKeys ?? []).map((k) => labels[k]);
  const name = `${pod.metadata.namespace ?? 'default'}/${group.metadata.name}/${policy.name ?? ''}`;
  return { group: [name, ...values].join('/'), ...required };
}

function networkRequirement(
  nt: z.infer<typeof NetworkTopology> | undefined,
  topology: VolcanoTopology | undefined,
  path: PathIssue['path'],
  issues: PathIssue[],
): ContainerTopology | undefined {
  if (!nt || (nt.mode ?? 'hard') !== 'hard' || !topology) return undefined;
  const allowed = nt.highestTierName !== undefined ? topology.tierNames.get(nt.highestTierName) : nt.highestTierAllowed;
  if (allowed === undefined) {
    if (nt.highestTierName !== undefined)
      issues.push({ path, message: `its PodGroup names tier "${nt.highestTierName}", which no HyperNode has` });
    return undefined;
  }
  const tier = topology.tiers.find((t) => t <= allowed);
  if (tier === undefined) {
    issues.push({ path, message: `its PodGroup allows tiers up to ${allowed}, below every HyperNode's tier` });
    return undefined;
  }
  return { required: `${HYPERNODE_LABEL}${tier}` };
}
