import { createReadStream } from 'node:fs';
import chain from 'stream-chain';
import { parser } from 'stream-json';
import { pick } from 'stream-json/filters/pick.js';
import { streamArray } from 'stream-json/streamers/stream-array.js';
import { READ_ANNOTATIONS } from '../models/kube.js';

/**
 * Kubernetes lists too large to hold as one string (`kubectl get pods -A -o json` for 150 000 pods is
 * several hundred MB, past V8's longest string): read with a streaming JSON parser (stream-json), one
 * item at a time, each cut down to the fields the scheduler reads (models/kube.ts) before the next.
 * The result is a `kind: List` of those items.
 */

/** JSON files from this size on are streamed (smaller ones are parsed whole, as before). */
export const STREAM_FROM_BYTES = 64 * 2 ** 20;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Only these keys of an object, where present. */
function keep(o: unknown, keys: readonly string[]): Json | undefined {
  if (!isObject(o)) return undefined;
  const out: Json = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

const CONTAINER_KEYS = ['name', 'resources', 'restartPolicy'];
const POD_SPEC_KEYS = [
  'nodeName',
  'priority',
  'overhead',
  'nodeSelector',
  'tolerations',
  'affinity',
  'topologySpreadConstraints',
  'schedulingGroup',
  'workloadRef',
  // Read only for the notes on what is not modelled (models/kube-notes.ts).
  'schedulingGates',
  'resourceClaims',
  'resources',
  'schedulerName',
];
/** What the conversion reads of a pod's metadata: its name, labels, controller, and whether it is terminating. */
const POD_META_KEYS = ['name', 'generateName', 'namespace', 'labels', 'ownerReferences', 'deletionTimestamp'];

/** Only the entries of a list that `wanted` keeps; undefined when none is left. */
function only(list: unknown, wanted: (x: Json) => boolean): unknown[] | undefined {
  const kept = Array.isArray(list) ? list.filter((x) => isObject(x) && wanted(x)) : [];
  return kept.length > 0 ? kept : undefined;
}

/** A container's fields the conversion reads, and its host ports (named in the notes). */
function slimContainer(c: unknown): unknown {
  const kept = keep(c, CONTAINER_KEYS);
  if (!kept || !isObject(c)) return c;
  const ports = only(c['ports'], (p) => p['hostPort'] !== undefined);
  return ports ? { ...kept, ports } : kept;
}

/** A Pod or Node object with only what the conversion to a snapshot reads. */
export function slimObject(item: unknown): unknown {
  if (!isObject(item)) return item;
  const meta = isObject(item['metadata']) ? item['metadata'] : {};
  const annotations = isObject(meta['annotations']) ? meta['annotations'] : undefined;
  const read = annotations ? keep(annotations, READ_ANNOTATIONS) : undefined;
  const metadata = {
    ...keep(meta, ['name', 'namespace', 'labels']),
    ...(read && Object.keys(read).length > 0 ? { annotations: read } : {}),
  };
  const spec = isObject(item['spec']) ? item['spec'] : undefined;
  const status = isObject(item['status']) ? item['status'] : undefined;
  if (item['kind'] === 'Node') {
    return {
      ...keep(item, ['apiVersion', 'kind']),
      metadata,
      ...(spec ? { spec: keep(spec, ['taints', 'unschedulable']) } : {}),
      ...(status ? { status: { ...keep(status, ['allocatable', 'conditions']) } } : {}),
    };
  }
  if (item['kind'] !== 'Pod') return item;
  return slimPod(item, { ...keep(meta, POD_META_KEYS), ...metadata }, spec, status);
}

function slimPod(item: Json, metadata: Json, spec: Json | undefined, status: Json | undefined): unknown {
  const containers = (list: unknown): unknown => (Array.isArray(list) ? list.map(slimContainer) : list);
  // The volumes the notes name (claims), and the Ready condition disruption budgets read.
  const volumes = only(
    spec?.['volumes'],
    (v) => v['persistentVolumeClaim'] !== undefined || v['ephemeral'] !== undefined,
  );
  // Conditions given but none of them Ready mean not Ready (models/kube-pods.ts): the list stays, empty.
  const given = Array.isArray(status?.['conditions']);
  const conditions = only(status?.['conditions'], (c) => c['type'] === 'Ready') ?? (given ? [] : undefined);
  return {
    ...keep(item, ['apiVersion', 'kind']),
    metadata,
    ...(spec
      ? {
          spec: {
            ...keep(spec, POD_SPEC_KEYS),
            containers: containers(spec['containers']),
            ...(spec['initContainers'] !== undefined ? { initContainers: containers(spec['initContainers']) } : {}),
            ...(volumes ? { volumes } : {}),
          },
        }
      : {}),
    ...(status ? { status: { ...keep(status, ['phase']), ...(conditions ? { conditions } : {}) } } : {}),
  };
}

/** The items of a large JSON list file, streamed and cut down, as a `kind: List`. */
export async function readLargeList(path: string): Promise<{ apiVersion: string; kind: 'List'; items: unknown[] }> {
  const items: unknown[] = [];
  // One chain of plain functions (stream-chain, stream-json's own companion): no stream per stage.
  const elements = chain([
    createReadStream(path),
    parser({ streamValues: false }),
    pick({ filter: 'items' }),
    streamArray(),
  ]) as unknown as AsyncIterable<{ key: number; value: unknown }>;
  for await (const { value } of elements) items.push(slimObject(value));
  return { apiVersion: 'v1', kind: 'List', items };
}
