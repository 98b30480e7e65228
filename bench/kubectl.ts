import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { ScaleSnapshot } from './scale.js';

/**
 * A generated snapshot as `kubectl get nodes -o json` and `kubectl get pods -A -o json` print it: the same
 * nodes and pending pods, with what kubectl adds (managedFields, the last-applied annotation, status
 * conditions, environment, volumes), so a 150 000-pod list is several hundred MB as in a real cluster.
 */
type Json = Record<string, unknown>;

const managedFields = (manager: string): Json[] => [
  {
    apiVersion: 'v1',
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:metadata': { 'f:labels': { '.': {} } }, 'f:spec': { 'f:containers': {}, 'f:dnsPolicy': {} } },
    manager,
    operation: 'Update',
    time: '2026-11-30T08:00:00Z',
  },
];

export function kubectlNode(node: ScaleSnapshot['nodes'][number]): Json {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.name,
      labels: { ...node.labels, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' },
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
      managedFields: managedFields('kubelet'),
      uid: `uid-${node.name}`,
    },
    spec: { providerID: `aws:///${node.name}`, ...(node.taints ? { taints: node.taints } : {}) },
    status: {
      allocatable: node.capacity,
      capacity: node.capacity,
      conditions: [
        { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory' },
        { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure' },
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
      ],
      nodeInfo: {
        kubeletVersion: 'v1.31.2',
        containerRuntimeVersion: 'containerd://1.7.22',
        osImage: 'Amazon Linux 2023',
      },
    },
  };
}

export function kubectlPod(c: ScaleSnapshot['containers'][number]): Json {
  const affinity =
    c.antiAffinity &&
    ({
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: c.antiAffinity.map((t) => ({
          labelSelector: t.selector,
          topologyKey: t.topologyKey,
        })),
      },
    } as Json);
  const container = {
    name: 'app',
    image: `registry.example.com/${c.labels['app']}:1.4.2`,
    resources: { requests: c.requests, limits: c.requests },
    env: Array.from({ length: 6 }, (_, k) => ({ name: `SETTING_${k}`, value: `value-${k}-${c.namespace}` })),
    ports: [{ containerPort: 8080, protocol: 'TCP' }],
    volumeMounts: [
      { mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', name: 'kube-api-access', readOnly: true },
    ],
  };
  const spec = { containers: [container], ...(c.nodeSelector ? { nodeSelector: c.nodeSelector } : {}) };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: c.name,
      namespace: c.namespace,
      labels: { ...c.labels, 'pod-template-hash': '7d9f8b6c5d' },
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ spec }) },
      managedFields: managedFields('kube-controller-manager'),
      uid: `uid-${c.name}`,
    },
    spec: {
      ...spec,
      ...(c.tolerations ? { tolerations: c.tolerations } : {}),
      ...(affinity ? { affinity } : {}),
      ...(c.spread
        ? {
            topologySpreadConstraints: c.spread.map((t) => ({
              maxSkew: t.maxSkew,
              topologyKey: t.topologyKey,
              whenUnsatisfiable: 'DoNotSchedule',
              labelSelector: t.selector,
            })),
          }
        : {}),
      dnsPolicy: 'ClusterFirst',
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      serviceAccountName: 'default',
      volumes: [{ name: 'kube-api-access', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } }],
    },
    status: { phase: 'Pending', qosClass: 'Guaranteed' },
  };
}

/** Writes a `kind: List` of the items one at a time (the whole text would pass V8's longest string). */
export async function writeList(path: string, items: Iterable<Json>): Promise<number> {
  const out = createWriteStream(path);
  let bytes = 0;
  const write = async (s: string): Promise<void> => {
    bytes += Buffer.byteLength(s);
    if (!out.write(s)) await once(out, 'drain');
  };
  await write('{"apiVersion":"v1","kind":"List","items":[');
  let first = true;
  for (const item of items) {
    await write((first ? '' : ',') + JSON.stringify(item));
    first = false;
  }
  await write('],"metadata":{"resourceVersion":""}}\n');
  out.end();
  await once(out, 'finish');
  return bytes;
}
