import { html, type VNode } from '/assets/htm-preact.mjs';
import type { Json } from './input.js';

/**
 * The answer's change plan (docs/changes.md), where options.changes asked for it: its status, the fewest waves
 * proven, the temporary nodes it uses, what blocks it, and the runbook, one line per wave. The node rows mark each moved container with its wave.
 */
interface ChangesJson {
  readonly status: string;
  readonly fewestWaves: number;
  readonly moves: number;
  readonly blocked: string[];
  readonly runbook: string[];
  readonly temporaryNodes?: string[];
  readonly waves: { wave: number; evict: { container: string }[]; bind: { container: string }[] }[];
}

/** Container → the wave that moves, evicts or binds it. */
export function wavesOf(answer: Json): Map<string, number> {
  const changes = answer['changes'] as ChangesJson | undefined;
  const out = new Map<string, number>();
  for (const w of changes?.waves ?? [])
    for (const c of [...w.evict, ...w.bind]) if (!out.has(c.container)) out.set(c.container, w.wave);
  return out;
}

export function Changes({ answer }: { answer: Json }): VNode | null {
  const c = answer['changes'] as ChangesJson | undefined;
  if (!c) return null;
  return html`<section class="changes" aria-label="changes">
    <h2>Change plan: <span data-field="changes-status">${c.status}</span></h2>
    <p>
      <span data-field="changes-waves">${c.waves.length}</span> waves (fewest proven:
      <span data-field="changes-fewest">${c.fewestWaves}</span>), ${c.moves}
      moves${
        c.temporaryNodes
          ? html`, through temporary <span data-field="changes-temporary">${c.temporaryNodes.join(', ')}</span>`
          : null
      }
    </p>
    ${
      c.blocked.length > 0
        ? html`<ul class="blocked">
            ${c.blocked.map((b) => html`<li>${b}</li>`)}
          </ul>`
        : null
    }
    <ol class="runbook">
      ${c.runbook.map((line) => html`<li>${line}</li>`)}
    </ol>
  </section>`;
}
