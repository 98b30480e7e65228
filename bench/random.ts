/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), for generated benchmark instances. */
export function rngFor(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A random small snapshot (3–4 nodes, 3–5 containers) with every kind of hard rule drawn at random: taints and
 * tolerations, cordons, node selectors and affinity, pod anti-affinity and affinity, zone spread, gangs, running
 * and pinned containers, and allowUnplaced half the time. The same seed gives the same snapshot.
 */
export function randomRuleSnapshot(seed: number): Record<string, unknown> {
  const r = rngFor(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)]!;
  const n = int(3, 4);
  const m = int(3, 5);
  const zones = ['a', 'b'];
  const nodes = Array.from({ length: n }, (_, i) => ({
    name: `n${i}`,
    capacity: { cpu: `${int(2, 6)}`, pods: `${int(1, 3)}` },
    labels: { zone: zones[i % 2]!, tier: pick(['gold', 'silver']) },
    ...(r() < 0.3
      ? {
          taints: [{ key: 'dedicated', value: pick(['ml', 'db']), effect: pick(['NoSchedule', 'NoExecute'] as const) }],
        }
      : {}),
    ...(r() < 0.1 ? { unschedulable: true } : {}),
  }));
  const apps = ['x', 'y'];
  // Per app: replicas that avoid each other (self anti-affinity) and replicas spread over zones.
  const selfAnti = Object.fromEntries(
    apps.map((a) => [a, r() < 0.4 ? pick(['kubernetes.io/hostname', 'zone']) : null]),
  );
  const spreadApp = Object.fromEntries(apps.map((a) => [a, r() < 0.3]));
  const containers = Array.from({ length: m }, (_, j) => {
    const app = pick(apps);
    const c: Record<string, unknown> = { name: `c${j}`, requests: { cpu: `${int(1, 4) * 500}m` }, labels: { app } };
    if (r() < 0.3)
      c['tolerations'] = [
        r() < 0.5
          ? { key: 'dedicated', operator: 'Exists' }
          : { key: 'dedicated', operator: 'Equal', value: pick(['ml', 'db']) },
      ];
    if (r() < 0.2) c['nodeSelector'] = { tier: pick(['gold', 'silver']) };
    if (r() < 0.15)
      c['nodeAffinity'] = [
        { matchExpressions: [{ key: 'zone', operator: pick(['In', 'NotIn']), values: [pick(zones)] }] },
      ];
    const key = pick(['kubernetes.io/hostname', 'zone']);
    if (selfAnti[app]) c['antiAffinity'] = [{ selector: { matchLabels: { app } }, topologyKey: selfAnti[app] }];
    else if (r() < 0.1) c['antiAffinity'] = [{ selector: { matchLabels: { app } }, topologyKey: key }];
    else if (r() < 0.2)
      c['antiAffinity'] = [{ selector: { matchLabels: { app: app === 'x' ? 'y' : 'x' } }, topologyKey: key }];
    if (r() < 0.2)
      c['affinity'] = [
        { selector: { matchLabels: { app: pick(apps) } }, topologyKey: pick(['kubernetes.io/hostname', 'zone']) },
      ];
    if (spreadApp[app]) c['spread'] = [{ maxSkew: 1, topologyKey: 'zone', selector: { matchLabels: { app } } }];
    if (r() < 0.2) c['gang'] = pick(['g1', 'g2']);
    if (r() < 0.15) {
      c['current'] = `n${int(0, n - 1)}`;
      if (r() < 0.5) c['pinned'] = true;
    }
    return c;
  });
  const costs = { matrix: Array.from({ length: n }, () => Array.from({ length: m }, () => int(0, 9))) };
  return { nodes, containers, costs, options: { allowUnplaced: r() < 0.5, timeLimitMs: 5000 } };
}
