import { demandUnits, type AssignmentModel } from '../models/model.js';
import { blockColumnKeys } from '../models/pairs.js';
import { kindOf } from '../models/rules/registry.js';

/**
 * Kinds of containers: two containers of one kind have the same demands, the same blocked nodes, the
 * same tolerations and the same places in every group rule, so one can stand for the other (a replica
 * set's pods are one kind). The minimal-conflict search checks one dropped container per kind, and the
 * scheduler's messages are worked out once per kind.
 */
export class ContainerKinds {
  private readonly roles: string[];
  private blocks: string[] | undefined;

  constructor(private readonly model: AssignmentModel) {
    // Each container's places in the group rules ("3a,": in set a of rule 3), in one pass over the rules.
    this.roles = model.items.map(() => '');
    (model.rules?.groups ?? []).forEach((g, x) => {
      for (const [role, items] of kindOf(g).roles(g)) for (const j of items) this.roles[j] += `${x}${role},`;
    });
  }

  /** A key equal for exactly the containers of one kind. */
  of(j: number): string {
    const { model } = this;
    const n = model.nodes.length;
    const m = model.items.length;
    const parts = model.resources.map((r) =>
      r.perNode ? Array.from({ length: n }, (_, i) => demandUnits(r, i, j, m)).join(':') : String(r.demand[j]),
    );
    const rules = model.rules;
    if (rules) {
      this.blocks ??= blockColumnKeys(rules.blocked);
      parts.push(this.blocks[j]!, rules.taints ? String(rules.taints.setOf[j]) : '', this.roles[j]!);
    }
    return parts.join(',');
  }
}
