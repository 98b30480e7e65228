import type { TopologyTree } from './model.js';
import { own } from './own.js';
import { HOSTNAME_KEY, type Snapshot } from './snapshot.js';

/**
 * The domains of each level of a topology (options.topology.levels, top down): a node is in the domain of level
 * k named by its values of levels 0..k, so racks of the same name in two blocks are two racks. A node without one
 * of those labels is in no domain of level k or below (kubernetes.io/hostname is every node's own name, as
 * kube-scheduler reads it). Domains come in the order their first node comes.
 */
export function topologyTree(s: Snapshot, labels: readonly string[]): TopologyTree {
  const domains: number[][][] = labels.map(() => []);
  const names: string[][] = labels.map(() => []);
  const values: string[][][] = labels.map(() => []);
  const index = labels.map(() => new Map<string, number>());
  s.nodes.forEach((node, i) => {
    const path: string[] = [];
    for (let k = 0; k < labels.length; k++) {
      const value = own(node.labels, labels[k]!) ?? (labels[k] === HOSTNAME_KEY ? node.name : undefined);
      if (value === undefined) return;
      path.push(value);
      // Keyed by the values themselves: a value may hold "/", which the display name joins with.
      const key = JSON.stringify(path);
      let d = index[k]!.get(key);
      if (d === undefined) {
        index[k]!.set(key, (d = domains[k]!.length));
        domains[k]!.push([]);
        names[k]!.push(path.join('/'));
        values[k]!.push([...path]);
      }
      domains[k]![d]!.push(i);
    }
  });
  return { labels, domains, names, values };
}
