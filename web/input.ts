import { parseAllDocuments } from '/assets/yaml/index.js';

/**
 * What the page sends: a plain snapshot or program as it is, Kubernetes objects from any number of
 * JSON or YAML files (nodes.json and pods.json together, a kind: List, multi-document manifests) as one
 * kind: List, or Docker Swarm's inspect arrays as one {nodes, services, tasks}, with the chosen options over the
 * input's own.
 */
export type Json = Record<string, unknown>;
export interface Source {
  readonly name: string;
  readonly text: string;
}
export interface Options {
  readonly timeLimitMs: number;
  readonly objective: string;
  readonly solver: string;
}

/** One file's documents: JSON, else YAML (several documents allowed). */
function documents(s: Source): unknown[] {
  const text = s.text.trim();
  if (text === '') return [];
  try {
    return [JSON.parse(text)];
  } catch {
    const docs = parseAllDocuments(text);
    const list = Array.isArray(docs) ? docs : [docs];
    for (const d of list) if (d.errors.length > 0) throw new Error(`${s.name}: ${d.errors[0]!.message}`);
    return list.map((d) => d.toJS() as unknown).filter((d) => d !== null);
  }
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Kubernetes objects, flattened out of Lists, NodeLists and PodLists. */
function kubeObjects(values: readonly unknown[]): Json[] {
  const out: Json[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isObject(v) && Array.isArray(v['items'])) (v['items'] as unknown[]).forEach(walk);
    else if (isObject(v) && typeof v['kind'] === 'string') out.push(v);
  };
  values.forEach(walk);
  return out;
}

/** Which Docker Swarm document an object is (docker node, service or task inspect), if it is one. */
function swarmKind(o: Json): 'nodes' | 'services' | 'tasks' | undefined {
  if (typeof o['ID'] !== 'string' || 'kind' in o) return undefined;
  if ('ServiceID' in o) return 'tasks';
  const spec = isObject(o['Spec']) ? o['Spec'] : {};
  if ('TaskTemplate' in spec || 'Mode' in spec) return 'services';
  return 'Description' in o || 'Status' in o ? 'nodes' : undefined;
}

/** The arrays docker node inspect, docker service inspect and task inspect print, as one Swarm body. */
function swarmBody(values: readonly unknown[]): Json | undefined {
  const objects = values.flatMap((v) => (Array.isArray(v) ? (v as unknown[]) : [v]));
  if (objects.length === 0 || !objects.every((o) => isObject(o) && swarmKind(o))) return undefined;
  const body: Record<string, Json[]> = { nodes: [], services: [], tasks: [] };
  for (const o of objects as Json[]) body[swarmKind(o)!]!.push(o);
  return body;
}

export function buildBody(sources: readonly Source[], options: Options): Json {
  const values = sources.flatMap(documents);
  if (values.length === 0) throw new Error('nothing to send: paste a snapshot or drop files');
  const single = values.length === 1 && isObject(values[0]) ? values[0] : undefined;
  const plain = single && (single['kind'] === undefined || 'nodeList' in single);
  const body: Json = swarmBody(values) ?? (plain ? { ...single } : { kind: 'List', items: kubeObjects(values) });
  const own = isObject(body['options']) ? body['options'] : {};
  body['options'] = {
    ...own,
    timeLimitMs: options.timeLimitMs,
    ...(options.objective ? { objective: options.objective } : {}),
    ...(options.solver ? { solver: options.solver } : {}),
  };
  return body;
}

/** Node name → labels, from whichever input form was sent (for the zone and group filters). */
export function nodeLabels(body: Json): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  const nodes = Array.isArray(body['nodes']) ? (body['nodes'] as Json[]) : [];
  for (const n of nodes) out.set(String(n['name']), (n['labels'] as Record<string, string>) ?? {});
  const kube = [
    ...(Array.isArray(body['items']) ? kubeObjects(body['items'] as unknown[]) : []),
    ...(isObject(body['nodeList']) ? kubeObjects([body['nodeList']]) : []),
  ];
  for (const o of kube)
    if (o['kind'] === 'Node') {
      const meta = (o['metadata'] ?? {}) as Json;
      out.set(String(meta['name']), (meta['labels'] as Record<string, string>) ?? {});
    }
  return out;
}
