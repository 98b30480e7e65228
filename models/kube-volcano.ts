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
 * a hard PodGroup's group requires the level of the highest tier at or below N. Soft mode asks for nothing more
 * than every topology-aware group gets (the fewest domains at every level).
 */
export const HYPERNODE_LABEL = 'volcano.sh/hypernode-tier-';

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

export const VolcanoPodGroupSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.literal('PodGroup').optional(),
  metadata: z.looseObject({ name: z.string().min(1), namespace: z.string().optional() }),
  spec: z
    .looseObject({
      networkTopology: z
        .looseObject({
          mode: z.enum(['hard', 'soft']).optional(),
          highestTierAllowed: z.number().int().optional(),
          highestTierName: z.string().optional(),
        })
        .optional(),
      subGroupPolicy: z.array(z.unknown()).optional(),
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
  const memo = new Map<string, Set<string>>();
  const nodesOf = (h: HyperNode, seen: Set<string>): Set<string> => {
    const known = memo.get(h.metadata.name);
    if (known) return known;
    const out = new Set<string>();
    seen.add(h.metadata.name);
    for (const m of h.spec.members) {
      if (m.type === 'Node') for (const n of nodes) if (selects(m.selector, n, patterns)) out.add(n.name);
      if (m.type === 'HyperNode')
        for (const child of hyperNodes)
          if (
            !seen.has(child.metadata.name) &&
            selects(m.selector, { name: child.metadata.name, labels: {} }, patterns)
          )
            for (const n of nodesOf(child, seen)) out.add(n);
    }
    memo.set(h.metadata.name, out);
    return out;
  };
  const tiers = [...new Set(hyperNodes.map((h) => h.spec.tier))].sort((a, b) => b - a);
  const labels = new Map<string, Record<string, string>>(nodes.map((n) => [n.name, {}]));
  hyperNodes.forEach((h, k) => {
    for (const n of nodesOf(h, new Set())) {
      const key = `${HYPERNODE_LABEL}${h.spec.tier}`;
      const own = labels.get(n)!;
      if (own[key] !== undefined && own[key] !== h.metadata.name)
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
  const nt = group?.spec?.networkTopology;
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
