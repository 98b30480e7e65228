/**
 * Generated snapshots at real cluster scale (1 000 × 10 000 up to Kubernetes' published limits of 5 000
 * nodes and 150 000 pods), with the structure real clusters have: eight instance types over three zones
 * (identical within a type and zone), GPU pools behind a taint, and deployments of identical replicas
 * with heavy-tailed sizes (many small, a few of hundreds), common request shapes, some with hostname
 * anti-affinity or zone spread. Default cost (no matrix): the greedy's own score. Seeded: a (size, seed)
 * pair always gives the same snapshot.
 */
import { rngFor } from './random.js';

interface InstanceType {
  readonly type: string;
  readonly cpu: number;
  readonly memoryGi: number;
  readonly gpu: number;
  /** $ per hour, for `pack` */
  readonly price: number;
  /** Share of the nodes */
  readonly weight: number;
}

const TYPES: readonly InstanceType[] = [
  { type: 'm5.xlarge', cpu: 4, memoryGi: 16, gpu: 0, price: 0.192, weight: 0.2 },
  { type: 'm5.2xlarge', cpu: 8, memoryGi: 32, gpu: 0, price: 0.384, weight: 0.25 },
  { type: 'm5.4xlarge', cpu: 16, memoryGi: 64, gpu: 0, price: 0.768, weight: 0.15 },
  { type: 'c5.4xlarge', cpu: 16, memoryGi: 32, gpu: 0, price: 0.68, weight: 0.12 },
  { type: 'r5.2xlarge', cpu: 8, memoryGi: 64, gpu: 0, price: 0.504, weight: 0.1 },
  { type: 'r5.4xlarge', cpu: 16, memoryGi: 128, gpu: 0, price: 1.008, weight: 0.08 },
  { type: 'g5.2xlarge', cpu: 8, memoryGi: 32, gpu: 1, price: 1.212, weight: 0.06 },
  { type: 'p4d.24xlarge', cpu: 96, memoryGi: 1152, gpu: 8, price: 32.77, weight: 0.04 },
];
const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
/** Allocatable after the kubelet's and the system's reservations. */
const RESERVED_CPU_MILLI = 100;
const RESERVED_MEMORY_MI = 1024;

const CPU_MILLI = [50, 100, 100, 250, 250, 500, 500, 1000, 2000, 4000];
const MEMORY_MI = [64, 128, 256, 256, 512, 512, 1024, 2048, 4096, 8192];

interface ScaleNode {
  name: string;
  capacity: Record<string, string | number>;
  labels: Record<string, string>;
  taints?: { key: string; value: string; effect: 'NoSchedule' }[];
  price: number;
}

interface ScaleContainer {
  name: string;
  namespace: string;
  requests: Record<string, string | number>;
  labels: Record<string, string>;
  nodeSelector?: Record<string, string>;
  tolerations?: { key: string; operator: 'Exists'; effect: 'NoSchedule' }[];
  antiAffinity?: { selector: { matchLabels: Record<string, string> }; topologyKey: string }[];
  spread?: { maxSkew: number; topologyKey: string; selector: { matchLabels: Record<string, string> } }[];
}

export interface ScaleSnapshot {
  nodes: ScaleNode[];
  containers: ScaleContainer[];
  options?: Record<string, unknown>;
}

function scaleNodes(n: number, r: () => number): ScaleNode[] {
  const total = TYPES.reduce((t, x) => t + x.weight, 0);
  const counts = TYPES.map((t) => Math.floor((n * t.weight) / total));
  for (let k = 0; counts.reduce((a, b) => a + b, 0) < n; k++) counts[k % counts.length]!++;
  const nodes: ScaleNode[] = [];
  TYPES.forEach((t, k) => {
    for (let x = 0; x < counts[k]!; x++) {
      const zone = ZONES[x % ZONES.length]!;
      const name = `ip-10-${k}-${x >> 8}-${x & 255}.${zone}.compute.internal`;
      nodes.push({
        name,
        capacity: {
          cpu: `${t.cpu * 1000 - RESERVED_CPU_MILLI}m`,
          memory: `${t.memoryGi * 1024 - RESERVED_MEMORY_MI}Mi`,
          pods: 110,
          ...(t.gpu > 0 ? { 'nvidia.com/gpu': t.gpu } : {}),
        },
        labels: {
          'node.kubernetes.io/instance-type': t.type,
          'topology.kubernetes.io/zone': zone,
          'kubernetes.io/hostname': name,
          ...(t.gpu > 0 ? { pool: 'gpu' } : { pool: 'general' }),
        },
        ...(t.gpu > 0 ? { taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' as const }] } : {}),
        price: t.price,
      });
    }
  });
  // Nodes come in the order the API lists them, not grouped by type.
  for (let x = nodes.length - 1; x > 0; x--) {
    const y = Math.floor(r() * (x + 1));
    [nodes[x], nodes[y]] = [nodes[y]!, nodes[x]!];
  }
  return nodes;
}

/** Replicas of a deployment: heavy-tailed (a third are 1–2, a few are several hundred), mean about 26. */
function replicasOf(r: () => number): number {
  const u = r();
  if (u < 0.35) return 1 + Math.floor(r() * 2);
  if (u < 0.75) return 3 + Math.floor(r() * 10);
  if (u < 0.95) return 13 + Math.floor(r() * 60);
  return 80 + Math.floor(r() * 320);
}

/** Totals of cpu and memory of the general (untainted) pool, and the GPUs, in milli-cpu, Mi and whole GPUs. */
function totals(nodes: readonly ScaleNode[]): { cpu: number; memory: number; gpu: number } {
  const type = new Map(TYPES.map((t) => [t.type, t]));
  let cpu = 0;
  let memory = 0;
  let gpu = 0;
  for (const node of nodes) {
    const t = type.get(node.labels['node.kubernetes.io/instance-type']!)!;
    gpu += t.gpu;
    if (t.gpu > 0) continue;
    cpu += t.cpu * 1000 - RESERVED_CPU_MILLI;
    memory += t.memoryGi * 1024 - RESERVED_MEMORY_MI;
  }
  return { cpu, memory, gpu };
}

function deployment(d: number, replicas: number, gpu: number, r: () => number): ScaleContainer[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const app = `app-${d}`;
  const namespace = `team-${d % 40}`;
  const cpu = gpu > 0 ? 4000 : pick(CPU_MILLI);
  const memory = gpu > 0 ? 16384 : pick(MEMORY_MI);
  const rule = r();
  const antiAffine = gpu === 0 && replicas > 1 && replicas <= 40 && rule < 0.1;
  const spread = gpu === 0 && replicas >= 3 && rule >= 0.1 && rule < 0.25;
  const labels = { app };
  return Array.from({ length: replicas }, (_, k) => ({
    name: `${app}-${k.toString(36).padStart(5, '0')}`,
    namespace,
    requests: { cpu: `${cpu}m`, memory: `${memory}Mi`, ...(gpu > 0 ? { 'nvidia.com/gpu': gpu } : {}) },
    labels,
    ...(gpu > 0
      ? {
          nodeSelector: { pool: 'gpu' },
          tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
        }
      : {}),
    ...(antiAffine
      ? { antiAffinity: [{ selector: { matchLabels: labels }, topologyKey: 'kubernetes.io/hostname' }] }
      : {}),
    ...(spread
      ? { spread: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', selector: { matchLabels: labels } }] }
      : {}),
  })) as ScaleContainer[];
}

/**
 * A snapshot of `n` nodes and `m` containers whose requests use about `load` of the general pool's cpu and
 * memory (whichever binds first; the GPU pods' own cpu and memory come on top, on the GPU pool) and at
 * most half its GPUs.
 */
export function scaleSnapshot(n: number, m: number, seed: number, load = 0.65): ScaleSnapshot {
  const r = rngFor(seed);
  const nodes = scaleNodes(n, r);
  const cap = totals(nodes);
  const containers: ScaleContainer[] = [];
  let cpu = 0;
  let memory = 0;
  let gpus = 0;
  for (let d = 0; containers.length < m; d++) {
    let replicas = Math.min(m - containers.length, replicasOf(r));
    const gpu = gpus < cap.gpu / 2 && r() < 0.03 ? 1 + Math.floor(r() * 2) : 0;
    if (gpu > 0) replicas = Math.max(1, Math.min(replicas, Math.floor((cap.gpu / 2 - gpus) / gpu)));
    let pods = deployment(d, replicas, gpu, r);
    const first = pods[0]!.requests;
    const c = parseInt(String(first['cpu']), 10);
    const mem = parseInt(String(first['memory']), 10);
    // Past the load, the rest are the smallest shape: the snapshot stays (very likely) feasible.
    if (gpu === 0 && (cpu + c * replicas > load * cap.cpu || memory + mem * replicas > load * cap.memory))
      pods = pods.map((p) => ({ ...p, requests: { cpu: '50m', memory: '64Mi' } }));
    for (const p of gpu > 0 ? [] : pods) {
      cpu += parseInt(String(p.requests['cpu']), 10);
      memory += parseInt(String(p.requests['memory']), 10);
    }
    gpus += gpu * replicas;
    containers.push(...pods);
  }
  return { nodes, containers };
}

/** The sizes of `npm run bench -- --suite scale`. */
export const SCALE_SIZES: readonly (readonly [number, number])[] = [
  [1000, 10_000],
  [2000, 40_000],
  [5000, 150_000],
];
