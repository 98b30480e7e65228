/**
 * Where scheduler_perf's running pods end up, for bench/k8s-perf.ts: the hard filters of kube-scheduler that the
 * workloads built there use, and the even spread its default scoring gives identical pods on identical nodes.
 */

type Json = Record<string, unknown>;
type Labels = Record<string, string>;

interface Selector {
  readonly matchLabels?: Labels;
  readonly matchExpressions?: readonly { key: string; operator: string; values?: readonly string[] }[];
}

interface Term {
  readonly labelSelector?: Selector;
  readonly topologyKey: string;
  readonly namespaces?: readonly string[];
  readonly namespaceSelector?: Selector;
}

/** A running pod, as the placement checks need it. */
interface Placed {
  readonly namespace: string;
  readonly labels: Labels;
  readonly node: number;
}

interface NodeInfo {
  readonly name: string;
  readonly labels: Labels;
  readonly free: Map<string, number>;
  readonly taints: readonly { key: string; value?: string; effect: string }[];
}

/** Whether a label set matches a selector (matchLabels and In, NotIn, Exists, DoesNotExist). */
function matches(selector: Selector | undefined, labels: Labels): boolean {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  return (selector.matchExpressions ?? []).every((e) => {
    const has = Object.hasOwn(labels, e.key);
    const inValues = has && (e.values ?? []).includes(labels[e.key]!);
    if (e.operator === 'In') return inValues;
    if (e.operator === 'NotIn') return !inValues;
    if (e.operator === 'Exists') return has;
    if (e.operator === 'DoesNotExist') return !has;
    throw new Error(`label selector operator ${e.operator} is not supported here`);
  });
}

const SUFFIXES: Record<string, number> = {
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity in milli-units (exact enough for the sizes here: ≤ 2^53 milli). */
function milli(q: unknown): number {
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?\d+)?)([a-zA-Z]*)$/.exec(String(q));
  const factor = m ? (SUFFIXES[m[2]!] ?? (m[2] === '' ? 1 : undefined)) : undefined;
  if (!m || factor === undefined) throw new Error(`not a quantity: ${String(q)}`);
  // toPrecision(15) drops the binary rounding error of the product ("100m" is 100, not 100.00000000000001).
  return Math.ceil(Number((Number(m[1]) * factor * 1000).toPrecision(15)));
}

/** The pod's request per resource: containers summed, a limit standing for a missing request; 1 `pods`. */
function requests(pod: Json): Map<string, number> {
  const out = new Map<string, number>([['pods', 1000]]);
  for (const c of (pod['spec'] as { containers: Json[] }).containers) {
    const r = (c['resources'] as { requests?: Json; limits?: Json } | undefined) ?? {};
    const merged = { ...(r.limits ?? {}), ...(r.requests ?? {}) };
    for (const [k, v] of Object.entries(merged)) out.set(k, (out.get(k) ?? 0) + milli(v));
  }
  return out;
}

/**
 * Binds running pods as kube-scheduler spreads identical pods on identical nodes: each pod goes to the first
 * node, from the one after the previous pod's, that passes the scheduler's hard filters used by these
 * workloads (resources, NoSchedule/NoExecute taints, nodeSelector and required node affinity, required pod
 * affinity and anti-affinity both ways). Soft rules (preferred terms, ScheduleAnyway) are not applied.
 */
export class Placer {
  private readonly nodes: NodeInfo[] = [];
  private readonly placed: Placed[] = [];
  private readonly onNode: Placed[][] = [];
  /** Running pods' required anti-affinity terms by topology key, then domain value. */
  private readonly antiByDomain = new Map<string, Map<string, { term: Term; owner: string }[]>>();
  private cursor = 0;

  addNode(node: Json): void {
    const status = node['status'] as { allocatable?: Json; capacity?: Json };
    const free = new Map(Object.entries(status.allocatable ?? status.capacity ?? {}).map(([k, v]) => [k, milli(v)]));
    const meta = node['metadata'] as { name: string; labels: Labels };
    const spec = node['spec'] as { taints?: NodeInfo['taints'] } | undefined;
    this.nodes.push({ name: meta.name, labels: meta.labels, free, taints: spec?.taints ?? [] });
    this.onNode.push([]);
  }

  /** Binds the pod; returns its node's name. Throws when no node takes it. */
  place(pod: Json, namespace: string, nsLabels: ReadonlyMap<string, Labels>): string {
    const spec = pod['spec'] as Json;
    if (((spec['topologySpreadConstraints'] as Json[] | undefined) ?? []).length > 0)
      throw new Error('running pods with topologySpreadConstraints are not supported by this placement');
    const labels = ((pod['metadata'] as Json)['labels'] as Labels | undefined) ?? {};
    const req = requests(pod);
    const affinity = spec['affinity'] as Json | undefined;
    const terms = (kind: string): Term[] =>
      ((affinity?.[kind] as Json | undefined)?.['requiredDuringSchedulingIgnoredDuringExecution'] as Term[]) ?? [];
    const anti = terms('podAntiAffinity');
    const aff = terms('podAffinity');
    for (let k = 0; k < this.nodes.length; k++) {
      const n = (this.cursor + k) % this.nodes.length;
      const candidate = { namespace, labels, node: n };
      if (!this.fits(n, req) || !this.nodeRulesPass(n, spec)) continue;
      if (!this.antiPasses(candidate, anti, nsLabels) || !this.affinityPasses(candidate, aff, nsLabels)) continue;
      this.bind(candidate, req, anti);
      this.cursor = n + 1;
      return this.nodes[n]!.name;
    }
    throw new Error(`no node takes running pod ${namespace}/${String((pod['metadata'] as Json)['generateName'])}`);
  }

  private fits(n: number, req: ReadonlyMap<string, number>): boolean {
    const free = this.nodes[n]!.free;
    for (const [k, v] of req) if ((free.get(k) ?? 0) < v) return false;
    return true;
  }

  private nodeRulesPass(n: number, spec: Json): boolean {
    const node = this.nodes[n]!;
    const tolerations =
      (spec['tolerations'] as { key?: string; operator?: string; value?: string; effect?: string }[]) ?? [];
    for (const t of node.taints) {
      if (t.effect !== 'NoSchedule' && t.effect !== 'NoExecute') continue;
      const ok = tolerations.some(
        (x) =>
          (x.effect === undefined || x.effect === '' || x.effect === t.effect) &&
          (x.key === undefined || x.key === '' || x.key === t.key) &&
          (x.operator === 'Exists' || (x.value ?? '') === (t.value ?? '')),
      );
      if (!ok) return false;
    }
    const selector = (spec['nodeSelector'] as Labels | undefined) ?? {};
    if (!Object.entries(selector).every(([k, v]) => node.labels[k] === v)) return false;
    const required = ((spec['affinity'] as Json | undefined)?.['nodeAffinity'] as Json | undefined)?.[
      'requiredDuringSchedulingIgnoredDuringExecution'
    ] as
      | {
          nodeSelectorTerms: {
            matchExpressions?: Selector['matchExpressions'];
            matchFields?: Selector['matchExpressions'];
          }[];
        }
      | undefined;
    if (!required) return true;
    return required.nodeSelectorTerms.some(
      (t) =>
        matches({ matchExpressions: t.matchExpressions ?? [] }, node.labels) &&
        matches({ matchExpressions: t.matchFields ?? [] }, { 'metadata.name': node.name }),
    );
  }

  /** The namespaces a term's selector looks in: its list and its namespaceSelector, else the owner's. */
  private inNamespaces(term: Term, owner: string, nsLabels: ReadonlyMap<string, Labels>): (ns: string) => boolean {
    if (!term.namespaces?.length && !term.namespaceSelector) return (ns) => ns === owner;
    const listed = new Set(term.namespaces ?? []);
    const all = term.namespaceSelector && Object.keys(term.namespaceSelector).length === 0;
    return (ns) =>
      listed.has(ns) ||
      all === true ||
      (term.namespaceSelector !== undefined && matches(term.namespaceSelector, nsLabels.get(ns) ?? {}));
  }

  private domain(n: number, key: string): string | undefined {
    return this.nodes[n]!.labels[key];
  }

  /** The running pods in node n's domain of a topology key (the node's own for kubernetes.io/hostname). */
  private inDomain(n: number, key: string): readonly Placed[] {
    if (key === 'kubernetes.io/hostname') return this.onNode[n]!;
    const value = this.domain(n, key);
    return value === undefined ? [] : this.placed.filter((q) => this.domain(q.node, key) === value);
  }

  private antiPasses(p: Placed, anti: readonly Term[], nsLabels: ReadonlyMap<string, Labels>): boolean {
    for (const term of anti) {
      const value = this.domain(p.node, term.topologyKey);
      if (value === undefined) continue;
      const inNs = this.inNamespaces(term, p.namespace, nsLabels);
      if (
        this.inDomain(p.node, term.topologyKey).some((q) => inNs(q.namespace) && matches(term.labelSelector, q.labels))
      )
        return false;
    }
    for (const [key, byValue] of this.antiByDomain) {
      const value = this.domain(p.node, key);
      for (const { term, owner } of value === undefined ? [] : (byValue.get(value) ?? [])) {
        if (this.inNamespaces(term, owner, nsLabels)(p.namespace) && matches(term.labelSelector, p.labels))
          return false;
      }
    }
    return true;
  }

  private affinityPasses(p: Placed, aff: readonly Term[], nsLabels: ReadonlyMap<string, Labels>): boolean {
    for (const term of aff) {
      const value = this.domain(p.node, term.topologyKey);
      const inNs = this.inNamespaces(term, p.namespace, nsLabels);
      let any = false;
      let here = false;
      for (const q of this.placed) {
        if (!inNs(q.namespace) || !matches(term.labelSelector, q.labels)) continue;
        any = true;
        if (value !== undefined && this.domain(q.node, term.topologyKey) === value) here = true;
        if (here) break;
      }
      // With no matching pod anywhere, a pod that matches its own term may go to any node with the key.
      const self = !any && inNs(p.namespace) && matches(term.labelSelector, p.labels);
      if (value === undefined || !(here || self)) return false;
    }
    return true;
  }

  private bind(p: Placed, req: ReadonlyMap<string, number>, anti: readonly Term[]): void {
    const free = this.nodes[p.node]!.free;
    for (const [k, v] of req) free.set(k, (free.get(k) ?? 0) - v);
    this.placed.push(p);
    this.onNode[p.node]!.push(p);
    for (const term of anti) {
      const value = this.domain(p.node, term.topologyKey);
      if (value === undefined) continue;
      const byValue = this.antiByDomain.get(term.topologyKey) ?? new Map<string, { term: Term; owner: string }[]>();
      this.antiByDomain.set(term.topologyKey, byValue);
      const list = byValue.get(value) ?? [];
      byValue.set(value, list);
      list.push({ term, owner: p.namespace });
    }
  }
}
