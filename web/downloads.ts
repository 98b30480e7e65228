import type { Json } from './input.js';

/** Downloads: the answer JSON, the plan as kubectl-ready Bindings, the plan as a table, and the model as LP. */
function save(name: string, type: string, text: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1_000);
}

const assignmentsOf = (route: string, answer: Json): { container: string; node: string }[] => {
  const best = (route === 'evaluate' ? answer['optimal'] : answer) as Json;
  return (best['assignments'] ?? []) as { container: string; node: string }[];
};

/** A Binding per pod ("namespace/name" containers; plain names go in the default namespace). */
export function bindings(assignments: readonly { container: string; node: string }[]): Json {
  return {
    apiVersion: 'v1',
    kind: 'List',
    items: assignments.map((a) => {
      const [namespace, name] = a.container.includes('/') ? a.container.split('/', 2) : ['default', a.container];
      return {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name, namespace },
        target: { apiVersion: 'v1', kind: 'Node', name: a.node },
      };
    }),
  };
}

export function planTable(assignments: readonly { container: string; node: string }[]): string {
  const rows = [...assignments].sort((x, y) => x.node.localeCompare(y.node) || x.container.localeCompare(y.container));
  return `node\tcontainer\n${rows.map((a) => `${a.node}\t${a.container}`).join('\n')}\n`;
}

export function downloads(
  route: string,
  body: Json,
  answer: Json,
  lp: (route: string, body: Json) => Promise<string>,
): { label: string; run: () => void }[] {
  const a = assignmentsOf(route, answer);
  return [
    { label: 'Answer (JSON)', run: () => save('answer.json', 'application/json', JSON.stringify(answer, null, 2)) },
    ...(a.length > 0
      ? [
          {
            label: 'Bindings (kubectl apply -f)',
            run: () => save('bindings.json', 'application/json', JSON.stringify(bindings(a), null, 2)),
          },
          { label: 'Plan (table)', run: () => save('plan.tsv', 'text/tab-separated-values', planTable(a)) },
        ]
      : []),
    ...(route === 'plan' || route === 'solve'
      ? [{ label: 'Model (LP)', run: () => void lp(route, body).then((t) => save('model.lp', 'text/plain', t)) }]
      : []),
  ];
}
