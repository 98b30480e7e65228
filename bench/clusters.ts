/**
 * Generated cluster-like snapshots: nodes drawn from a few instance types (identical within a type),
 * containers as replicas of deployments (identical within a deployment), and costs of node price ×
 * the container's dominant share of that node, the symmetric structure real clusters have.
 * Seeded, so a (size, seed) pair always gives the same snapshot.
 */
import { rngFor } from './random.js';

interface NodeType {
  readonly type: string;
  readonly cpu: number;
  readonly memoryGi: number;
  readonly gpu: number;
  /** $ per hour */
  readonly price: number;
}

const NODE_TYPES: readonly NodeType[] = [
  { type: 'general-4', cpu: 4, memoryGi: 16, gpu: 0, price: 0.192 },
  { type: 'general-8', cpu: 8, memoryGi: 32, gpu: 0, price: 0.384 },
  { type: 'compute-16', cpu: 16, memoryGi: 32, gpu: 0, price: 0.68 },
  { type: 'memory-8', cpu: 8, memoryGi: 64, gpu: 0, price: 0.504 },
  { type: 'gpu-8', cpu: 8, memoryGi: 61, gpu: 1, price: 3.06 },
];

const CPU_MILLI = [100, 250, 500, 1000, 2000];
const MEMORY_MI = [128, 256, 512, 1024, 2048, 4096];

export interface ClusterSnapshot {
  nodes: { name: string; capacity: Record<string, number | string> }[];
  containers: { name: string; requests: Record<string, number | string> }[];
  costs: { matrix: number[][] };
}

/** A snapshot of `n` nodes and `m` containers whose total requests use about `load` of the cluster's cpu. */
export function clusterSnapshot(n: number, m: number, seed: number, load = 0.7): ClusterSnapshot {
  const r = rngFor(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const types = Array.from({ length: n }, (_, i) => NODE_TYPES[i % NODE_TYPES.length]!);
  const nodes = types.map((t, i) => ({
    name: `${t.type}-${i}`,
    capacity: { cpu: t.cpu, memory: `${t.memoryGi}Gi`, 'nvidia.com/gpu': t.gpu },
  }));
  const totalCpu = types.reduce((s, t) => s + t.cpu * 1000, 0);
  const gpus = types.reduce((s, t) => s + t.gpu, 0);
  const containers: ClusterSnapshot['containers'] = [];
  const shapes: { cpu: number; mem: number; gpu: number }[] = [];
  let deployment = 0;
  let usedGpu = 0;
  let usedCpu = 0;
  while (containers.length < m) {
    const gpu = usedGpu < gpus && r() < 0.1 ? 1 : 0;
    const shape = { cpu: pick(CPU_MILLI), mem: pick(MEMORY_MI), gpu };
    const replicas = Math.min(m - containers.length, 1 + Math.floor(r() * 8));
    for (let k = 0; k < replicas; k++) {
      // Keep the total near `load` of the cpu so the snapshot is (very likely) feasible but not trivial.
      const cpu = usedCpu + shape.cpu > load * totalCpu ? 100 : shape.cpu;
      const g = shape.gpu && usedGpu < gpus ? 1 : 0;
      usedCpu += cpu;
      usedGpu += g;
      shapes.push({ cpu, mem: shape.mem, gpu: g });
      containers.push({
        name: `deploy-${deployment}-${k}`,
        requests: { cpu: `${cpu}m`, memory: `${shape.mem}Mi`, ...(g ? { 'nvidia.com/gpu': 1 } : {}) },
      });
    }
    deployment++;
  }
  const matrix = types.map((t) =>
    shapes.map((s) => {
      const share = Math.max(s.cpu / (t.cpu * 1000), s.mem / (t.memoryGi * 1024), t.gpu > 0 ? s.gpu / t.gpu : 0);
      return Math.round(t.price * share * 1e4); // price × share, in 1e-4 $/h: integral costs
    }),
  );
  return { nodes, containers, costs: { matrix } };
}

/**
 * n identical nodes (8 cpu, 16Gi, 110 pods) and m small containers (100–400m cpu, 128–640Mi), as the JSON
 * body of a plan request: the large bodies of the edge cases (a 10 000 × 10 000 body refused from its
 * counts; 100 × 20 000 that does not fit, for the minimal conflict).
 */
export function uniformSnapshotBody(n: number, m: number, options: Record<string, unknown> = {}): string {
  const nodes = Array.from({ length: n }, (_, i) => ({
    name: `n${i}`,
    capacity: { cpu: 8, memory: '16Gi', pods: 110 },
  }));
  const containers = Array.from({ length: m }, (_, j) => ({
    name: `c${j}`,
    requests: { cpu: `${100 + (j % 7) * 50}m`, memory: `${128 * (1 + (j % 5))}Mi` },
  }));
  return JSON.stringify({ nodes, containers, options });
}
