import { html, render, useEffect, useState, type VNode } from '/assets/htm-preact.mjs';
import { ApiFailure, cancelJob, exportLp, setToken, submitJob, watchJob, type ApiIssue, type Progress } from './api.js';
import { Capacity } from './capacity.js';
import { Chart } from './chart.js';
import { downloads } from './downloads.js';
import { buildBody, nodeLabels, type Json, type Source } from './input.js';
import { Header, NodeRows, type PlanView } from './plan.js';
import { Topology } from './topology.js';
import { Changes, wavesOf } from './changes.js';
import { Swarm } from './swarm.js';

/** The page: input and options → a job (with live progress and cancel) → the answer, drawn. */
type Phase =
  | { kind: 'idle' }
  | { kind: 'running'; id: string | null; points: Progress[] }
  | { kind: 'failed'; message: string; issues: readonly ApiIssue[] }
  | { kind: 'done'; route: string; body: Json; answer: Json; cancelled: boolean };

const ROUTES = ['plan', 'evaluate', 'capacity', 'solve'];

/** A labelled select whose first option keeps what the input itself says. */
const choice = (label: string, value: string, onChange: (e: Event) => void, options: string[]): VNode =>
  html`<label
    ><span>${label}</span>
    <select data-field=${`option-${label.toLowerCase()}`} value=${value} onChange=${onChange}>
      <option value="">as the input says</option>
      ${options.map((x) => html`<option value=${x}>${x}</option>`)}
    </select></label
  >`;

/** The examples the page loads (examples/ in the repository, served at /examples/), each with its route. */
const EXAMPLES: { readonly label: string; readonly route: string; readonly files: readonly string[] }[] = [
  { label: 'plan: a small snapshot', route: 'plan', files: ['seed-snapshot.json'] },
  { label: 'plan: kubectl nodes and pods (GPU taints)', route: 'plan', files: ['nodes.json', 'pods.json'] },
  { label: 'plan: an AI cluster (blocks, racks, gangs)', route: 'plan', files: ['ai-cluster.json'] },
  { label: 'plan: consolidate in safe waves (budgets)', route: 'plan', files: ['consolidate.json'] },
  {
    label: 'plan: a Docker swarm (docker node and service inspect)',
    route: 'plan',
    files: ['swarm/nodes.json', 'swarm/services.json', 'swarm/tasks.json'],
  },
  { label: 'evaluate: a given plan against the optimum', route: 'evaluate', files: ['evaluate.json'] },
  { label: 'capacity: what still fits', route: 'capacity', files: ['capacity-fit.json'] },
  { label: 'solve: an assignment program', route: 'solve', files: ['program.json'] },
];

async function loadExample(label: string): Promise<{ route: string; files: Source[] } | undefined> {
  const e = EXAMPLES.find((x) => x.label === label);
  if (!e) return undefined;
  const files = await Promise.all(
    e.files.map(async (name) => ({ name, text: await (await fetch(`/examples/${name}`)).text() })),
  );
  return { route: e.route, files };
}

function Form({
  onRun,
  busy,
}: {
  onRun: (route: string, sources: Source[], o: Record<string, string>) => void;
  busy: boolean;
}): VNode {
  const [text, setText] = useState('');
  const [files, setFiles] = useState<Source[]>([]);
  const [route, setRoute] = useState('plan');
  const [o, setO] = useState({ timeLimitMs: '10000', objective: '', solver: '' });
  const read = async (list: FileList | null): Promise<void> =>
    setFiles(await Promise.all([...(list ?? [])].map(async (f) => ({ name: f.name, text: await f.text() }))));
  const field = (label: string, control: VNode) => html`<label><span>${label}</span> ${control}</label>`;
  const example = async (label: string): Promise<void> => {
    const loaded = await loadExample(label);
    if (!loaded) return;
    setRoute(loaded.route);
    // One file: into the text box, to read and edit; several (nodes and pods): as dropped files.
    if (loaded.files.length === 1) {
      setText(loaded.files[0]!.text);
      setFiles([]);
    } else {
      setText('');
      setFiles(loaded.files);
    }
  };
  const set = (name: keyof typeof o) => (e: Event) => setO({ ...o, [name]: (e.target as HTMLInputElement).value });
  return html`<form
    class="input"
    onSubmit=${(e: Event) => {
      e.preventDefault();
      onRun(route, [...files, ...(text.trim() ? [{ name: 'pasted', text }] : [])], o);
    }}
    onDragOver=${(e: DragEvent) => e.preventDefault()}
    onDrop=${(e: DragEvent) => {
      e.preventDefault();
      void read(e.dataTransfer?.files ?? null);
    }}
  >
    <div class="controls">
      <label
        ><span>Load an example</span>
        <select data-field="example" onChange=${(e: Event) => void example((e.target as HTMLSelectElement).value)}>
          <option value="">choose…</option>
          ${EXAMPLES.map((x) => html`<option value=${x.label}>${x.label}</option>`)}
        </select></label
      >
    </div>
    <label for="body">Snapshot, program, {nodeList, podList}, kind: List or YAML manifests</label>
    <textarea
      id="body"
      rows="10"
      spellcheck="false"
      value=${text}
      onInput=${(e: Event) => setText((e.target as HTMLTextAreaElement).value)}
    ></textarea>
    <div class="controls">
      <label
        ><span>Files (drop several, e.g. nodes.json and pods.json)</span>
        <input type="file" multiple onChange=${(e: Event) => void read((e.target as HTMLInputElement).files)}
      /></label>
      <span class="files">${files.map((f) => f.name).join(', ')}</span>
    </div>
    <div class="controls">
      <label
        ><span>Route</span>
        <select
          data-field="route"
          value=${route}
          onChange=${(e: Event) => setRoute((e.target as HTMLSelectElement).value)}
        >
          ${ROUTES.map((r) => html`<option value=${r}>${r}</option>`)}
        </select></label
      >
      ${field('Time limit (ms)', html`<input type="number" min="1" value=${o.timeLimitMs} onInput=${set('timeLimitMs')} />`)}
      ${choice('Objective', o.objective, set('objective'), ['cost', 'balance', 'pack'])}
      ${choice('Solver', o.solver, set('solver'), ['auto', 'highs', 'glpk', 'jslp', 'greedy'])}
      <label
        ><span>Token (when the service asks for one)</span>
        <input
          type="password"
          autocomplete="off"
          onChange=${(e: Event) => setToken((e.target as HTMLInputElement).value)}
      /></label>
      <button type="submit" disabled=${busy}>Solve</button>
    </div>
  </form>`;
}

function Running({ phase, onCancel }: { phase: Extract<Phase, { kind: 'running' }>; onCancel: () => void }): VNode {
  const last = phase.points.at(-1);
  const gap = last?.gap === null || last?.gap === undefined ? '–' : `${(100 * last.gap).toFixed(2)}%`;
  return html`<section class="progress" aria-live="polite" aria-label="progress">
    <p data-field="progress">
      ${last ? `${(last.elapsedMs / 1000).toFixed(1)} s · best ${last.objective ?? '–'} · bound ${last.bound ?? '–'} · gap ${gap}` : 'queued…'}
    </p>
    <${Chart}
      title="best objective and bound"
      xLabel="seconds"
      x=${phase.points.map((p) => p.elapsedMs / 1000)}
      series=${[
        { label: 'best objective', values: phase.points.map((p) => p.objective), stroke: '#1f5fbf' },
        { label: 'bound', values: phase.points.map((p) => p.bound), stroke: '#b04a00' },
      ]}
    />
    <button type="button" onClick=${onCancel} disabled=${!phase.id}>Cancel (keep the best plan)</button>
  </section>`;
}

/** The page sends the input as a job's `input`: its issues name the pasted input's own fields. */
const pathInInput = (path: string): string => path.replace(/^input\./, '');

function Failed({ phase }: { phase: Extract<Phase, { kind: 'failed' }> }): VNode {
  return html`<section class="error" role="alert">
    <p>${phase.message}</p>
    <ul>
      ${phase.issues.map((i) => html`<li><code class="path">${pathInInput(i.path)}</code> ${i.message}</li>`)}
    </ul>
  </section>`;
}

function planView(
  route: string,
  body: Json,
  answer: Json,
): { best: Json; view: PlanView | null; other: { label: string; objective: unknown; above: unknown } } {
  const evaluate = route === 'evaluate';
  const best = (evaluate ? answer['optimal'] : answer) as Json;
  const otherJson = (evaluate ? answer['given'] : answer['greedy']) as Json;
  const label = evaluate ? 'given' : 'greedy';
  const comparison = (evaluate ? answer['comparison'] : best['comparison']) as Json | undefined;
  const differ = ((comparison?.['placedDifferently'] ?? []) as Json[]).map((d) => String(d['container']));
  const moves = ((best['moves'] ?? []) as Json[]).map((m) => String(m['container']));
  const above = (comparison?.[label] as Json | undefined)?.['gapToBest'];
  const view: PlanView | null = best['assignments']
    ? {
        plan: {
          label: 'plan',
          assignments: best['assignments'] as PlanView['plan']['assignments'],
          utilization: best['utilization'] as PlanView['plan']['utilization'],
        },
        other: {
          label,
          assignments: (otherJson['assignments'] ?? []) as PlanView['plan']['assignments'],
          utilization: (otherJson['utilization'] ?? {}) as PlanView['plan']['utilization'],
        },
        moves: new Set(moves),
        waves: wavesOf(answer),
        differs: new Set(differ),
        labels: nodeLabels(body),
      }
    : null;
  return { best, view, other: { label, objective: otherJson['objective'], above } };
}

function Unplaced({ best }: { best: Json }): VNode | null {
  const unplaced = (best['unplaced'] ?? []) as string[];
  const reasons = (best['reasons'] ?? []) as { container?: string; message: string }[];
  const conflict = best['explanation'] as
    { message: string; containers: string[]; nodes: string[]; causes: string[] } | null | undefined;
  if (unplaced.length === 0 && reasons.length === 0 && !conflict) return null;
  return html`<section class="unplaced" aria-label="unplaced containers">
    <h2>Unplaced: ${unplaced.length}</h2>
    <ul>
      ${reasons.map((r) => html`<li data-container=${r.container ?? ''}>${r.message}</li>`)}
    </ul>
    ${
      conflict
        ? html`<div class="conflict" data-field="conflict">
            <h3>Minimal conflict</h3>
            <p>${conflict.message}</p>
          </div>`
        : null
    }
  </section>`;
}

function Done({ phase }: { phase: Extract<Phase, { kind: 'done' }> }): VNode {
  const { route, body, answer } = phase;
  // The render-time measurement (the browser tests read it): from the answer's arrival to its first paint.
  useEffect(() => {
    requestAnimationFrame(() => performance.mark('optiplace:drawn'));
  }, [answer]);
  const links = downloads(route, body, answer, exportLp);
  const bar = html`<nav class="downloads" aria-label="downloads">
    ${links.map((l) => html`<button type="button" onClick=${l.run}>${l.label}</button>`)}
  </nav>`;
  if (route === 'capacity') return html`<div>${bar}<${Capacity} a=${answer} /></div>`;
  const { best, view, other } = planView(route, body, answer);
  return html`<div>
    ${phase.cancelled ? html`<p class="note">Cancelled: the best verified plan found by then.</p>` : null}
    <${Header} answer=${best} other=${other} />
    ${bar}
    <${Unplaced} best=${best} />
    <${Topology} answer=${best} body=${body} labels=${nodeLabels(body)} />
    <${Swarm} answer=${answer} />
    <${Changes} answer=${answer} />
    ${view ? html`<${NodeRows} v=${view} />` : html`<pre>${JSON.stringify(best['assignment'])}</pre>`}
  </div>`;
}

function App(): VNode {
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const run = async (route: string, sources: Source[], o: Record<string, string>): Promise<void> => {
    let body: Json;
    try {
      body = buildBody(sources, {
        timeLimitMs: Number(o['timeLimitMs']),
        objective: o['objective'] ?? '',
        solver: o['solver'] ?? '',
      });
    } catch (err) {
      setPhase({ kind: 'failed', message: (err as Error).message, issues: [] });
      return;
    }
    const points: Progress[] = [];
    setPhase({ kind: 'running', id: null, points });
    try {
      const id = await submitJob(route, body);
      setPhase({ kind: 'running', id, points });
      const end = await watchJob(id, (p) => setPhase({ kind: 'running', id, points: (points.push(p), [...points]) }));
      if (end.error) setPhase({ kind: 'failed', message: end.error.message, issues: end.error.issues });
      else if (end.answer) {
        performance.mark('optiplace:answer');
        setPhase({ kind: 'done', route, body, answer: end.answer, cancelled: end.status === 'cancelled' });
      } else setPhase({ kind: 'failed', message: `the job ended ${end.status} without an answer`, issues: [] });
    } catch (err) {
      const f = err instanceof ApiFailure ? err : undefined;
      setPhase({ kind: 'failed', message: (err as Error).message, issues: f?.issues ?? [] });
    }
  };
  const cancel = (): void => {
    if (phase.kind === 'running' && phase.id) void cancelJob(phase.id);
  };
  return html`<main>
    <header class="top">
      <h1>optiplace</h1>
      <p>The provably optimal placement beside the greedy's, node by node.</p>
      <nav aria-label="documentation">
        <a href="/docs">API reference</a> · <a href="/openapi.json">OpenAPI document</a>
      </nav>
    </header>
    <${Form}
      onRun=${(r: string, s: Source[], o: Record<string, string>) => void run(r, s, o)}
      busy=${phase.kind === 'running'}
    />
    ${phase.kind === 'running' ? html`<${Running} phase=${phase} onCancel=${cancel} />` : null}
    ${phase.kind === 'failed' ? html`<${Failed} phase=${phase} />` : null}
    ${phase.kind === 'done' ? html`<${Done} phase=${phase} />` : null}
  </main>`;
}

render(html`<${App} />`, document.getElementById('app')!);
