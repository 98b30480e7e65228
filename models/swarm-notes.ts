import { knownKey, spreadValue, type Constraint } from './swarm-constraints.js';
import { losesTasks, nodeNames, takesTasks } from './swarm-read.js';
import type { SwarmInput, SwarmService } from './swarm-schema.js';

/**
 * The answer's notes on Swarm input: what the conversion did that a reader might not expect, and everything
 * swarmkit's scheduler reads that the model does not (nothing is dropped silently).
 */
export function swarmNotes(
  input: SwarmInput,
  constraints: readonly Constraint[][],
  tally: Readonly<Record<string, number>>,
  overcommitted: readonly string[],
): string[] {
  const over =
    overcommitted.length > 0
      ? [
          `running tasks reserve more than these nodes have: ${list(overcommitted)}; as swarmkit's resource filter, ` +
            'no new task that reserves anything goes there',
        ]
      : [];
  return [...nodeNotes(input), ...taskNotes(tally), ...serviceNotes(input, constraints), ...over];
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

function nodeNotes(input: SwarmInput): string[] {
  const names = nodeNames(input);
  const off = input.nodes.flatMap((n, i) => (takesTasks(n) ? [] : [names[i]!]));
  const lose = input.nodes.flatMap((n, i) => (losesTasks(n) ? [names[i]!] : []));
  const notes: string[] = [];
  if (off.length > 0)
    notes.push(
      `${plural(off.length, 'node takes', 'nodes take')} no new tasks (not ready, paused or drained): ${list(off)}`,
    );
  if (lose.length > 0)
    notes.push(
      `${plural(lose.length, 'node is', 'nodes are')} drained or down, and the tasks there stop: ${list(lose)}`,
    );
  if (names.some((name, i) => name === input.nodes[i]!.ID && input.nodes[i]!.Description?.Hostname))
    notes.push('nodes without a unique hostname are named by their ID');
  return notes;
}

function taskNotes(tally: Readonly<Record<string, number>>): string[] {
  const notes: string[] = [];
  if (tally.lost! > 0)
    notes.push(
      `${plural(tally.lost!, 'task runs', 'tasks run')} on drained or down nodes: not counted as running, ` +
        'their services need them placed again',
    );
  if (tally.unknownNode! > 0)
    notes.push(`${plural(tally.unknownNode!, 'task names a node', 'tasks name nodes')} not in nodes: ignored`);
  if (tally.unlisted! > 0)
    notes.push(
      `${plural(tally.unlisted!, 'running task belongs', 'running tasks belong')} to services not in services: ` +
        'they stay where they run, with their own reservations',
    );
  return notes;
}

/** Services whose tasks name something swarmkit's filters read that the model does not. */
function serviceNotes(input: SwarmInput, constraints: readonly Constraint[][]): string[] {
  const count = (test: (s: SwarmService, k: number) => boolean): string[] =>
    input.services.filter(test).map((s) => s.Spec.Name);
  const said = (names: string[], what: string): string[] =>
    names.length > 0 ? [`${plural(names.length, 'service', 'services')} (${list(names)}) ${what}`] : [];
  const template = (s: SwarmService) => s.Spec.TaskTemplate as Record<string, unknown> | undefined;
  const spec = (s: SwarmService) => (template(s)?.ContainerSpec ?? {}) as { Mounts?: { Type?: string }[] };
  return [
    ...said(
      count((_, k) => constraints[k]!.some((c) => !knownKey(c))),
      'have constraints with keys swarmkit does not know: they match no node, as in swarmkit',
    ),
    ...said(
      count((s) =>
        (s.Spec.TaskTemplate?.Placement?.Preferences ?? []).some(
          (p) => !p.Spread || spreadValue(p.Spread.SpreadDescriptor, { ID: '' }) === undefined,
        ),
      ),
      'have preferences swarmkit skips (only spread over node.labels or engine.labels is read): skipped too',
    ),
    ...said(
      count((s) => !!(s.Spec.Mode?.ReplicatedJob || s.Spec.Mode?.GlobalJob)),
      'are jobs (replicated-job or global-job mode): not planned',
    ),
    ...said(
      count((s) => !!(template(s)?.Networks || template(s)?.LogDriver || spec(s).Mounts?.some((m) => m.Type))),
      'name networks, a log driver or mounts: the plugin and cluster-volume filters (that a node has the ' +
        'plugin or volume) are not modelled',
    ),
    ...said(
      count(
        (s) =>
          !s.Spec.Mode?.Replicated?.Replicas &&
          !s.Spec.Mode?.Global &&
          !s.Spec.Mode?.ReplicatedJob &&
          !s.Spec.Mode?.GlobalJob &&
          s.Spec.Mode?.Replicated?.Replicas !== 0,
      ),
      'give no Mode.Replicated.Replicas: one replica, as Docker creates them',
    ),
    "swarmkit also avoids nodes where a service's tasks failed 5 times within 5 minutes: not modelled (the " +
      'inspect documents do not carry those failures)',
  ];
}

function list(names: readonly string[]): string {
  return names.length <= 5 ? names.join(', ') : `${names.slice(0, 5).join(', ')} and ${names.length - 5} more`;
}
