import { html, useMemo, useState, type VNode } from '/assets/htm-preact.mjs';
import type { Json } from './input.js';

/**
 * A plan beside another (the greedy's, or the given plan for evaluate): one row per node with a bar per
 * resource for each, its containers (moves and containers placed differently highlighted), and filters.
 * Only the rows in view are rendered (fixed row height), so 5 000 nodes stay responsive.
 */
const ROW_PX = 84;
const OVERSCAN = 6;

interface Side {
  readonly label: string;
  readonly assignments: readonly { container: string; node: string }[];
  readonly utilization: Record<string, Record<string, number>>;
}

export interface PlanView {
  readonly plan: Side;
  readonly other: Side;
  readonly moves: ReadonlySet<string>;
  /** Container → the wave of the change plan that moves it (options.changes). */
  readonly waves: ReadonlyMap<string, number>;
  readonly differs: ReadonlySet<string>;
  readonly labels: Map<string, Record<string, string>>;
}

const pct = (x: number | null | undefined): string =>
  x === null || x === undefined ? '–' : `${(100 * x).toFixed(2)}%`;
const num = (x: unknown): string =>
  typeof x === 'number' ? (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6)))) : '–';

/** The answer's header: status, objective, bound, gap, source, and the other plan's objective and how far above. */
export function Header({
  answer,
  other,
}: {
  answer: Json;
  other: { label: string; objective: unknown; above: unknown };
}): VNode {
  return html`<section class="header" aria-label="summary">
    <dl>
      <div>
        <dt>status</dt>
        <dd data-field="status">${String(answer['status'])}</dd>
      </div>
      <div>
        <dt>objective</dt>
        <dd data-field="objective">${num(answer['objective'])}</dd>
      </div>
      <div>
        <dt>bound</dt>
        <dd data-field="bound">${num(answer['bound'])}</dd>
      </div>
      <div>
        <dt>gap</dt>
        <dd data-field="gap">${pct(answer['gap'] as number | null)}</dd>
      </div>
      <div>
        <dt>plan from</dt>
        <dd data-field="source">${String(answer['source'])}</dd>
      </div>
      <div>
        <dt>${other.label}</dt>
        <dd data-field="other-objective">${num(other.objective)}</dd>
      </div>
      <div>
        <dt>${other.label} above the plan</dt>
        <dd data-field="other-above">${pct(other.above as number | null)}</dd>
      </div>
    </dl>
  </section>`;
}

function byNode(assignments: Side['assignments']): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const a of assignments) m.set(a.node, [...(m.get(a.node) ?? []), a.container]);
  return m;
}

const zoneOf = (l: Record<string, string>): string => l['topology.kubernetes.io/zone'] ?? '–';
const groupOf = (l: Record<string, string>): string =>
  l['node.kubernetes.io/instance-type'] ?? l['node-group'] ?? l['pool'] ?? '–';
/** The node's type and zone where its labels say them (nothing for an unlabelled node). */
const placeOf = (l: Record<string, string>): string => [groupOf(l), zoneOf(l)].filter((x) => x !== '–').join(' · ');

function Bars({ node, v }: { node: string; v: PlanView }): VNode {
  const resources = [
    ...new Set([...Object.keys(v.plan.utilization[node] ?? {}), ...Object.keys(v.other.utilization[node] ?? {})]),
  ];
  return html`<div class="bars">
    ${resources
      .filter((r) => r !== 'pods')
      .map(
        (r) =>
          html`<div class="resource">
            <span class="rname">${r}</span>
            ${[v.plan, v.other].map((side) => {
              const u = side.utilization[node]?.[r] ?? 0;
              return html`<span class="bar ${side.label}" title="${side.label} ${r} ${pct(u)}">
                  <span
                    class="fill"
                    data-node=${node}
                    data-resource=${r}
                    data-side=${side.label}
                    data-util=${String(u)}
                    style=${{ width: `${Math.min(100, 100 * u)}%` }}
                  ></span> </span
                ><span class="val ${side.label}">${(100 * u).toFixed(0)}%</span>`;
            })}
          </div>`,
      )}
  </div>`;
}

function Row({ node, v, on }: { node: string; v: PlanView; on: { plan: string[]; other: string[] } }): VNode {
  const labels = v.labels.get(node) ?? {};
  const chip = (c: string) =>
    html`<span
      class="chip ${v.moves.has(c) ? 'moved' : ''} ${v.differs.has(c) ? 'differs' : ''}"
      data-container=${c}
      data-wave=${v.waves.get(c) ?? ''}
      >${c}${v.waves.has(c) ? html`<sup class="wave">w${v.waves.get(c)}</sup>` : null}</span
    >`;
  return html`<div class="row" data-node=${node} role="listitem">
    <div class="node"><strong>${node}</strong> <small>${placeOf(labels)}</small></div>
    <${Bars} node=${node} v=${v} />
    <div class="chips"><span class="side">${v.plan.label}</span>${on.plan.map(chip)}</div>
    <div class="chips other">
      <span class="side">${v.other.label}</span>${on.other.map((c) => html`<span class="chip">${c}</span>`)}
    </div>
  </div>`;
}

export function NodeRows({ v }: { v: PlanView }): VNode {
  const [zone, setZone] = useState('');
  const [group, setGroup] = useState('');
  const [onlyDiff, setOnlyDiff] = useState(false);
  const [top, setTop] = useState(0);
  const planOn = useMemo(() => byNode(v.plan.assignments), [v]);
  const otherOn = useMemo(() => byNode(v.other.assignments), [v]);
  const nodes = Object.keys(v.plan.utilization);
  const zones = [...new Set(nodes.map((n) => zoneOf(v.labels.get(n) ?? {})))].sort();
  const groups = [...new Set(nodes.map((n) => groupOf(v.labels.get(n) ?? {})))].sort();
  const shown = nodes.filter((n) => {
    const l = v.labels.get(n) ?? {};
    if (zone && zoneOf(l) !== zone) return false;
    if (group && groupOf(l) !== group) return false;
    if (!onlyDiff) return true;
    return [...(planOn.get(n) ?? []), ...(otherOn.get(n) ?? [])].some((c) => v.differs.has(c) || v.moves.has(c));
  });
  const first = Math.max(0, Math.floor(top / ROW_PX) - OVERSCAN);
  const last = Math.min(shown.length, first + Math.ceil(900 / ROW_PX) + 2 * OVERSCAN);
  const select = (label: string, value: string, set: (s: string) => void, options: string[]) =>
    html`<label
      >${label}
      <select value=${value} onChange=${(e: Event) => set((e.target as HTMLSelectElement).value)}>
        <option value="">all</option>
        ${options.map((o) => html`<option value=${o}>${o}</option>`)}
      </select></label
    >`;
  return html`<section aria-label="nodes">
    <p class="legend">
      <span class="key plan"></span> plan <span class="key other"></span> ${v.other.label}
      <span class="chip moved">moved</span> <span class="chip differs">placed differently</span>
    </p>
    <div class="filters">
      ${select('node group', group, setGroup, groups)} ${select('zone', zone, setZone, zones)}
      <label
        ><input
          type="checkbox"
          checked=${onlyDiff}
          onChange=${(e: Event) => setOnlyDiff((e.target as HTMLInputElement).checked)}
        />
        only nodes that differ</label
      >
      <span class="count">${shown.length} of ${nodes.length} nodes</span>
    </div>
    <div
      class="rows"
      role="list"
      tabindex="0"
      aria-label="nodes, plan beside ${v.other.label}"
      onScroll=${(e: Event) => setTop((e.target as HTMLElement).scrollTop)}
    >
      <div style=${{ height: `${shown.length * ROW_PX}px`, position: 'relative' }}>
        <div style=${{ transform: `translateY(${first * ROW_PX}px)` }}>
          ${shown
            .slice(first, last)
            .map(
              (n) =>
                html`<${Row}
                  key=${n}
                  node=${n}
                  v=${v}
                  on=${{ plan: planOn.get(n) ?? [], other: otherOn.get(n) ?? [] }}
                />`,
            )}
        </div>
      </div>
    </div>
  </section>`;
}
