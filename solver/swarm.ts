import type { SwarmCluster, SwarmServiceView } from '../models/swarm-read.js';
import { NodeState, passes, preassigned } from '../models/swarm-filters.js';

/**
 * Docker Swarm's own placement (moby/swarmkit manager/scheduler), step for step, as the baseline every Swarm answer
 * shows beside the seed greedy and the optimum:
 * - pre-assigned tasks (a global service's, one per node) are checked on their node and kept if they pass;
 * - each replicated service's new tasks are placed as one group: the nodes are split by the spread preferences
 *   into a tree, tasks are divided evenly over its branches (counting the service's tasks already there), and
 *   within a leaf the nodes are ordered by fewest tasks of the service, then fewest tasks in all, and filled in
 *   that order until they are level, then round-robin (scheduleNTasksOnNodes);
 * - a node is used only while it passes the filter pipeline: ready and active, reservations within what is free,
 *   constraints and platforms, host-mode ports free, and fewer than MaxReplicas tasks of the service.
 * Where swarmkit iterates a Go map (services, branches, equal nodes), this walks input order, so the plan is
 * deterministic; swarmkit's own tests hold for any such order. Returns each placed task's node index.
 */
export function swarmPlan(cluster: SwarmCluster): Map<string, number> {
  const { nodes, kept: placed } = preassigned(cluster);
  cluster.services.forEach((s, k) => {
    const queue = s.pending.filter((t) => t.node === undefined).map((t) => t.name);
    if (queue.length > 0) new Group(s, k, nodes, queue, placed).run();
  });
  return placed;
}

interface Tree {
  tasks: number;
  readonly next: Map<string, Tree> | undefined;
  nodes: NodeState[];
  visited: boolean;
}

/** One service's new tasks, placed as swarmkit's scheduleTaskGroup places a task group. */
class Group {
  constructor(
    readonly s: SwarmServiceView,
    readonly k: number,
    readonly all: readonly NodeState[],
    readonly queue: string[],
    readonly placed: Map<string, number>,
  ) {}

  readonly less = (a: NodeState, b: NodeState): boolean => {
    const [sa, sb] = [a.tasksOf(this.k), b.tasksOf(this.k)];
    return sa !== sb ? sa < sb : a.total < b.total;
  };

  /** Best first, equal nodes in input order (a stable sort). */
  private ordered(nodes: NodeState[]): NodeState[] {
    return nodes.sort((a, b) => (this.less(a, b) ? -1 : this.less(b, a) ? 1 : a.index - b.index));
  }

  run(): void {
    this.subtree(this.queue.length, this.tree(this.queue.length));
  }

  /** nodeSet.tree: nodes by their preference values; each leaf keeps its best `most` nodes that pass. */
  private tree(most: number): Tree {
    const root = leaf(this.s.preferences.length > 0);
    for (const n of this.all) {
      let t = root;
      this.s.preferences.forEach((values, l) => {
        t.tasks += n.tasksOf(this.k);
        const v = values[n.index]!;
        let next = t.next!.get(v);
        if (!next) t.next!.set(v, (next = leaf(l + 1 < this.s.preferences.length)));
        t = next;
      });
      t.tasks += n.tasksOf(this.k);
      if (passes(this.s, this.k, n)) t.nodes.push(n);
    }
    const trim = (t: Tree): void => {
      if (t.next) for (const c of t.next.values()) trim(c);
      else t.nodes = this.ordered(t.nodes).slice(0, most);
    };
    trim(root);
    return root;
  }

  /** scheduleNTasksOnSubtree: even shares per branch, over the branches that still have room. */
  private subtree(n: number, tree: Tree): number {
    if (!tree.next) return this.leafNodes(n, tree);
    let scheduled = 0;
    let usable = tree.tasks;
    const branches = [...tree.next.values()];
    const noRoom = new Set<Tree>();
    let converging = true;
    while (scheduled !== n && noRoom.size !== branches.length && converging) {
      const open = branches.length - noRoom.size;
      const desired = Math.floor((usable + n - scheduled) / open);
      let remainder = (usable + n - scheduled) % open;
      converging = false;
      for (const sub of branches) {
        if (noRoom.has(sub) || !(sub.tasks < desired || (sub.tasks === desired && remainder > 0))) continue;
        converging = true;
        const want = desired - sub.tasks + (remainder > 0 ? 1 : 0);
        const got = this.subtree(want, sub);
        if (got < want) {
          noRoom.add(sub);
          usable -= sub.tasks;
        } else if (remainder > 0) remainder--;
        scheduled += got;
      }
    }
    return scheduled;
  }

  /** A leaf: its nodes ordered (again filtered by the pipeline when visited before), then filled. */
  private leafNodes(n: number, tree: Tree): number {
    if (tree.visited) tree.nodes = this.ordered(tree.nodes.filter((node) => passes(this.s, this.k, node)));
    tree.visited = true;
    return tree.nodes.length === 0 ? 0 : this.onNodes(n, tree.nodes);
  }

  /** scheduleNTasksOnNodes: fill in order until the next node is no better, then one task per node in turn. */
  private onNodes(n: number, nodes: readonly NodeState[]): number {
    let scheduled = 0;
    let it = 0;
    const count = nodes.length;
    const failed = new Set<number>();
    while (this.queue.length > 0) {
      const node = nodes[it % count]!;
      node.add(this.k, this.s.request, this.s.ports, true);
      this.placed.set(this.queue.shift()!, node.index);
      if (++scheduled === n) return scheduled;
      if (it + 1 < count) {
        if (this.less(nodes[(it + 1) % count]!, node)) it++;
      } else it++;
      const start = it;
      while (failed.has(it % count) || !passes(this.s, this.k, nodes[it % count]!)) {
        failed.add(it % count);
        if (++it - start === count) return scheduled;
      }
    }
    return scheduled;
  }
}

const leaf = (inner: boolean): Tree => ({ tasks: 0, next: inner ? new Map() : undefined, nodes: [], visited: false });

/**
 * Swarm's plan over the model's indices: each task swarmkit places on its node, each running one where it runs,
 * the rest unplaced (-1: swarmkit leaves them pending).
 */
export function swarmAssignment(
  items: readonly string[],
  nodes: readonly string[],
  current: ArrayLike<number> | undefined,
  cluster: SwarmCluster,
): Int32Array {
  const placed = swarmPlan(cluster);
  const nodeIndex = new Map(nodes.map((n, i) => [n, i]));
  const plan = new Int32Array(items.length).fill(-1);
  items.forEach((name, j) => {
    const at = placed.get(name);
    if (at !== undefined) plan[j] = nodeIndex.get(cluster.nodes[at]!.name) ?? -1;
    else if (current && current[j]! >= 0) plan[j] = current[j]!;
  });
  return plan;
}
