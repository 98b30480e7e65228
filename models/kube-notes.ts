import { countedResource, effectiveRequests } from './kube-pods.js';
import type { KubeInput, KubePod } from './kube-schema.js';
import { isRecord } from './own.js';

/**
 * What kube-scheduler reads that the service does not model, each named with how many pods carry it (nothing is
 * dropped without a word). The service places such pods by the rest of their fields.
 */
const UNMODELLED: readonly {
  readonly field: string;
  readonly what: string;
  readonly has: (pod: KubePod) => boolean;
}[] = [
  {
    field: 'spec.containers[].ports[].hostPort',
    what: 'host ports (kube-scheduler keeps two pods with one host port off a node) are not modelled',
    has: (pod) =>
      containersOf(pod).some((c) => arrayAt(c, 'ports').some((p) => isRecord(p) && p['hostPort'] !== undefined)),
  },
  {
    field: 'spec.volumes[].persistentVolumeClaim / ephemeral',
    what: 'volume binding, zones and limits are not modelled',
    has: (pod) =>
      arrayAt(pod.spec, 'volumes').some(
        (v) => isRecord(v) && (v['persistentVolumeClaim'] !== undefined || v['ephemeral'] !== undefined),
      ),
  },
  {
    field: 'spec.schedulingGates',
    what: 'kube-scheduler waits until they are removed; they are placed here as if ungated',
    has: (pod) => arrayAt(pod.spec, 'schedulingGates').length > 0,
  },
  {
    field: 'spec.resourceClaims',
    what: 'dynamic resource allocation is not modelled',
    has: (pod) => arrayAt(pod.spec, 'resourceClaims').length > 0,
  },
  {
    field: 'spec.resources',
    what: 'pod-level resources are not read: the requests are the containers’',
    has: (pod) => isRecord((pod.spec as Record<string, unknown>)['resources']),
  },
  {
    field: 'spec.schedulerName',
    what: 'they are for another scheduler; placed here as kube-scheduler would',
    has: (pod) => {
      const name = (pod.spec as Record<string, unknown>)['schedulerName'];
      return typeof name === 'string' && name !== 'default-scheduler';
    },
  },
];

function arrayAt(o: unknown, key: string): unknown[] {
  const v = isRecord(o) ? o[key] : undefined;
  return Array.isArray(v) ? v : [];
}

function containersOf(pod: KubePod): unknown[] {
  return [...pod.spec.containers, ...(pod.spec.initContainers ?? [])];
}

/** The notes for the pods' fields the service does not model, and for the objects of kinds it skipped. */
export function unmodelledNotes(input: KubeInput): string[] {
  const pods = input.podList.items.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
  const out: string[] = [];
  for (const u of UNMODELLED) {
    const n = pods.filter(u.has).length;
    if (n > 0) out.push(`${n} pods set ${u.field}: ${u.what}`);
  }
  const uncounted = new Map<string, number>();
  for (const pod of pods)
    for (const k of effectiveRequests(pod).keys())
      if (!countedResource(k)) uncounted.set(k, (uncounted.get(k) ?? 0) + 1);
  for (const [k, n] of uncounted)
    out.push(
      `${n} pods request "${k}": kube-scheduler does not count it (not a resource a container requests), nor here`,
    );
  const skipped = Object.entries(input.ignoredKinds ?? {}).map(([kind, n]) => `${n} ${kind}`);
  if (skipped.length > 0) out.push(`objects of other kinds were not read: ${skipped.join(', ')}`);
  return out;
}
