import { html, type VNode } from '/assets/htm-preact.mjs';
import type { Json } from './input.js';

/**
 * Swarm's own placement (docs/swarm.md), for Docker Swarm input: what swarmkit's scheduler would do, checked by
 * the verifier, with its objective, the tasks it leaves pending, and its gaps to the plan and to the proven bound.
 */
interface SwarmJson {
  readonly objective: number | null;
  readonly placed: number;
  readonly pending: string[];
  readonly gapToBest: number | null;
  readonly gapToBound: number | null;
}

const pct = (x: number | null): string => (x === null ? '–' : `${(100 * x).toFixed(2)}%`);

export function Swarm({ answer }: { answer: Json }): VNode | null {
  const s = answer['swarm'] as SwarmJson | undefined;
  if (!s) return null;
  return html`<section class="swarm" aria-label="Swarm's placement">
    <h2>Swarm's own placement (swarmkit)</h2>
    <p>
      objective <span data-field="swarm-objective">${s.objective ?? '–'}</span>, ${s.placed} tasks placed,
      <span data-field="swarm-pending-count">${s.pending.length}</span> pending; above the plan
      <span data-field="swarm-gap">${pct(s.gapToBest)}</span>, above the proven bound ${pct(s.gapToBound)}
    </p>
    ${
      s.pending.length > 0
        ? html`<ul class="pending">
            ${s.pending.map((t) => html`<li data-field="swarm-pending">${t}</li>`)}
          </ul>`
        : null
    }
  </section>`;
}
