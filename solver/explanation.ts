import { blockOf, type AssignmentModel } from '../models/model.js';
import type { Explanation } from './protocol.js';

/** Names listed in the message (the `containers` and `nodes` fields list them all). */
const NAMES_IN_MESSAGE = 20;

function list(names: readonly string[]): string {
  return names.length <= NAMES_IN_MESSAGE
    ? names.join(', ')
    : `${names.slice(0, NAMES_IN_MESSAGE).join(', ')} and ${names.length - NAMES_IN_MESSAGE} more`;
}

/** The explanation of the conflict `keep` (model item indices). */
export function describe(
  model: AssignmentModel,
  keep: readonly number[],
  causes: readonly string[],
  minimal: boolean,
): Explanation {
  const nodes = model.nodes.filter((_, i) => keep.some((j) => blockOf(model, i, j) === 0));
  const containers = keep.map((j) => model.items[j]!);
  const where = nodes.length === 0 ? 'any node' : `nodes ${list(nodes)}`;
  const why = causes.length ? ` (${causes.join('; ')})` : '';
  const message =
    containers.length === 1
      ? `container ${containers[0]} fits on none of ${where === 'any node' ? 'the nodes' : where}${why}`
      : `containers ${list(containers)} do not fit together on ` +
        `${where}${why}${minimal ? '; without any one of them the rest fits' : ''}`;
  return { containers, nodes, causes, minimal, message };
}
