import { html, useState, type VNode } from '/assets/htm-preact.mjs';
import type { Json } from './input.js';

/**
 * The answer's topology (docs/topology.md), where the input names levels: each group's span per level for the
 * plan, the Kueue-style plan and the greedy's; the free domains per level; and the nodes grouped by the two top
 * levels (block, rack), each node marked busy or free in the plan, a rack with nothing on it marked free, and the
 * nodes of the group chosen in the table highlighted.
 */
type Side = 'plan' | 'kueue' | 'greedy';
const SIDES: readonly Side[] = ['plan', 'kueue', 'greedy'];
const SIDE_LABEL: Record<Side, string> = { plan: 'plan', kueue: 'Kueue-style', greedy: 'greedy' };

interface GroupJson {
  readonly group: string;
  readonly members: number;
  readonly plan: { placed: number; spans: Record<string, number> };
  readonly greedy: { placed: number; spans: Record<string, number> };
  readonly kueue?: { placed: number; spans: Record<string, number> };
}
interface TopologyJson {
  readonly levels: string[];
  readonly groups: GroupJson[];
  readonly fragmentation: Partial<Record<Side, { level: string; domains: number; free: number }[]>>;
}

/** Container name → its group, from the input: a snapshot's topology.group or gang, a pod's pod group. */
function groupsOf(body: Json): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of (body['containers'] ?? []) as Json[]) {
    const t = c['topology'] as Json | undefined;
    const g = (t?.['group'] as string | undefined) ?? (c['gang'] as string | undefined);
    if (t && g) out.set(String(c['name']), g);
  }
  for (const o of (body['items'] ?? []) as Json[]) {
    if (o['kind'] !== 'Pod') continue;
    const meta = (o['metadata'] ?? {}) as Json;
    const labels = (meta['labels'] ?? {}) as Record<string, string>;
    const notes = (meta['annotations'] ?? {}) as Record<string, string>;
    const g =
      notes['kueue.x-k8s.io/pod-group-name'] ??
      labels['kueue.x-k8s.io/pod-group-name'] ??
      notes['pod-group-name'] ??
      notes['scheduling.k8s.io/group-name'];
    const ns = String(meta['namespace'] ?? 'default');
    if (g) out.set(`${ns}/${String(meta['name'])}`, `${ns}/${g}`);
  }
  return out;
}

function Spans({ t, chosen, choose }: { t: TopologyJson; chosen: string; choose: (g: string) => void }): VNode {
  const spans = (s: { placed: number; spans: Record<string, number> } | undefined) =>
    s ? `${s.placed} placed · ${t.levels.map((l) => s.spans[l] ?? 0).join(' / ')}` : '–';
  return html`<table class="spans" aria-label="groups and their spans">
    <thead>
      <tr>
        <th scope="col">group</th>
        <th scope="col">members</th>
        ${SIDES.map((s) => html`<th scope="col">${SIDE_LABEL[s]}: placed · ${t.levels.join(' / ')}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${t.groups.map(
        (g) =>
          html`<tr data-group=${g.group} class=${chosen === g.group ? 'chosen' : ''}>
            <th scope="row"><button type="button" onClick=${() => choose(g.group)}>${g.group}</button></th>
            <td>${g.members}</td>
            ${SIDES.map((s) => html`<td data-side=${s}>${spans(g[s])}</td>`)}
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function Free({ t }: { t: TopologyJson }): VNode {
  return html`<table class="free" aria-label="free domains per level">
    <thead>
      <tr>
        <th scope="col">level</th>
        ${SIDES.map((s) => html`<th scope="col">free in ${SIDE_LABEL[s]}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${t.levels.map(
        (level, k) =>
          html`<tr>
            <th scope="row">${level}</th>
            ${SIDES.map((s) => {
              const f = t.fragmentation[s]?.[k];
              return html`<td data-field=${`free-${s}-${k}`}>${f ? `${f.free} of ${f.domains}` : '–'}</td>`;
            })}
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** Nodes by block and rack (the two top levels), busy or free in the plan, the chosen group's nodes marked. */
function Grid(props: {
  t: TopologyJson;
  answer: Json;
  labels: Map<string, Record<string, string>>;
  chosen: Set<string>;
}): VNode {
  const { t, answer, labels, chosen } = props;
  const on = new Map<string, string[]>();
  for (const a of (answer['assignments'] ?? []) as { container: string; node: string }[])
    on.set(a.node, [...(on.get(a.node) ?? []), a.container]);
  const [top, next] = [t.levels[0]!, t.levels[1]];
  const blocks = new Map<string, Map<string, string[]>>();
  for (const [node, l] of labels) {
    const b = l[top] ?? '–';
    const r = next !== undefined && next !== 'kubernetes.io/hostname' ? (l[next] ?? '–') : b;
    const racks = blocks.get(b) ?? new Map<string, string[]>();
    racks.set(r, [...(racks.get(r) ?? []), node]);
    blocks.set(b, racks);
  }
  const cell = (n: string) => {
    const here = on.get(n) ?? [];
    const mine = here.some((c) => chosen.has(c));
    return html`<span
      class="cell ${here.length > 0 ? 'busy' : 'idle'} ${mine ? 'chosen' : ''}"
      data-node=${n}
      title=${`${n}: ${here.join(', ') || 'free'}`}
    ></span>`;
  };
  return html`<div class="grid" aria-label="nodes by ${top} and ${next ?? top}">
    ${[...blocks].map(
      ([b, racks]) =>
        html`<div class="block" data-block=${b}>
          <h3>${b}</h3>
          ${[...racks].map(([r, nodes]) => {
            const free = nodes.every((n) => (on.get(n) ?? []).length === 0);
            return html`<div class="rack ${free ? 'free' : ''}" data-rack=${r} data-free=${String(free)}>
              <small>${r}${free ? ' · free' : ''}</small>
              <div class="cells">${nodes.map(cell)}</div>
            </div>`;
          })}
        </div>`,
    )}
  </div>`;
}

export function Topology({
  answer,
  body,
  labels,
}: {
  answer: Json;
  body: Json;
  labels: Map<string, Record<string, string>>;
}): VNode | null {
  const t = answer['topology'] as TopologyJson | undefined;
  const [chosen, setChosen] = useState('');
  if (!t) return null;
  const members = groupsOf(body);
  const chosenSet = new Set([...members].filter(([, g]) => g === chosen).map(([c]) => c));
  return html`<section class="topology" aria-label="topology">
    <h2>Topology</h2>
    <${Spans} t=${t} chosen=${chosen} choose=${setChosen} />
    <${Free} t=${t} />
    <${Grid} t=${t} answer=${answer} labels=${labels} chosen=${chosenSet} />
  </section>`;
}
