import { html, type VNode } from '/assets/htm-preact.mjs';
import { Chart } from './chart.js';
import type { Json } from './input.js';

/** Capacity answers: fit beside cluster-capacity's one-at-a-time count, buy, whatIf, and the move-budget curve. */
type Counts = Record<string, number>;

function Fit({ a }: { a: Json }): VNode {
  const extra = (a['extra'] ?? {}) as Counts;
  const greedy = a['greedy'] as { aloneEach: Counts; together: Counts };
  const shapes = Object.keys(a['considered'] as Counts);
  return html`<table class="capacity" data-question="fit">
    <caption>
      How many more copies fit (${String(a['status'])}; at most ${String(a['upperBound'] ?? '–')} by the bound)
    </caption>
    <thead>
      <tr>
        <th scope="col">shape</th>
        <th scope="col">exact</th>
        <th scope="col">one at a time (cluster-capacity)</th>
        <th scope="col">greedy, all shapes together</th>
      </tr>
    </thead>
    <tbody>
      ${shapes.map(
        (s) =>
          html`<tr data-shape=${s}>
            <th scope="row">${s}</th>
            <td data-field="exact">${extra[s] ?? '–'}</td>
            <td data-field="alone">${greedy.aloneEach[s] ?? 0}</td>
            <td data-field="together">${greedy.together[s] ?? 0}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function Buy({ a }: { a: Json }): VNode {
  const buy = (a['buy'] ?? {}) as Counts;
  return html`<table class="capacity" data-question="buy">
    <caption>
      Cheapest purchase: ${String(a['price'] ?? '–')} (${String(a['status'])}, gap ${String(a['gap'] ?? '–')})
    </caption>
    <thead>
      <tr>
        <th scope="col">node type</th>
        <th scope="col">count</th>
      </tr>
    </thead>
    <tbody>
      ${Object.entries(buy).map(
        ([t, n]) =>
          html`<tr>
            <th scope="row">${t}</th>
            <td>${n}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function WhatIf({ a }: { a: Json }): VNode {
  const moves = a['moves'] as { container: string; from: string; to: string | null }[];
  return html`<section data-question="whatIf" aria-label="what if">
    <p>
      ${a['fits'] ? 'Everything fits' : 'Not everything fits'} after the change: ${String(a['moveCount'])} moves,
      ${(a['unplaced'] as string[]).length} unplaced (${String(a['status'])}).
    </p>
    <table class="capacity">
      <caption>
        Before and after
      </caption>
      <thead>
        <tr>
          <th scope="col">container</th>
          <th scope="col">before</th>
          <th scope="col">after</th>
        </tr>
      </thead>
      <tbody>
        ${moves.map(
          (m) =>
            html`<tr>
              <th scope="row">${m.container}</th>
              <td>${m.from}</td>
              <td>${m.to ?? 'unplaced'}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}

function MoveBudget({ a }: { a: Json }): VNode {
  const curve = a['curve'] as { maxMoves: number; objective: number | null; bound: number | null }[];
  return html`<section data-question="moveBudget" aria-label="move budget">
    <${Chart}
      title="objective against the moves allowed"
      xLabel="moves allowed"
      x=${curve.map((c) => c.maxMoves)}
      series=${[
        { label: 'objective', values: curve.map((c) => c.objective), stroke: '#1f5fbf' },
        { label: 'bound', values: curve.map((c) => c.bound), stroke: '#b04a00' },
      ]}
    />
    <table class="capacity">
      <caption>
        The curve
      </caption>
      <thead>
        <tr>
          <th scope="col">moves allowed</th>
          <th scope="col">objective</th>
          <th scope="col">bound</th>
        </tr>
      </thead>
      <tbody>
        ${curve.map(
          (c) =>
            html`<tr>
              <th scope="row">${c.maxMoves}</th>
              <td>${c.objective ?? '–'}</td>
              <td>${c.bound ?? '–'}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}

export function Capacity({ a }: { a: Json }): VNode {
  switch (a['question']) {
    case 'fit':
      return html`<${Fit} a=${a} />`;
    case 'buy':
      return html`<${Buy} a=${a} />`;
    case 'whatIf':
      return html`<${WhatIf} a=${a} />`;
    default:
      return html`<${MoveBudget} a=${a} />`;
  }
}
