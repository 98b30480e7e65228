import type { CapacityAnswer } from '../planning/schemas.js';
import { pct, plain } from './table.js';

/**
 * A capacity answer as a report for people (`placement capacity -o table`): the question's summary line, its
 * figures as aligned columns (copies per shape, nodes to buy, moves, the move-budget curve), the plan's nodes
 * with their containers, and the notes. Plain text, fixed width, no colours; the JSON has every field.
 */

const num = (x: number | null | undefined): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : plain(x);
const yes = (b: boolean): string => (b ? 'yes' : 'no');

/** Rows of cells as left-aligned columns, two spaces apart; the first row is the header. */
function columns(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd(),
  );
}

type Plan = {
  readonly assignments?: readonly { readonly container: string; readonly node: string }[] | undefined;
  readonly unplaced: readonly (string | number)[];
};
type Move = { readonly container: string; readonly from: string; readonly to: string | null };

function planLines(plan: Plan | null): string[] {
  if (!plan) return [];
  const byNode = new Map<string, string[]>();
  for (const a of plan.assignments ?? []) byNode.set(a.node, [...(byNode.get(a.node) ?? []), a.container]);
  const rows = [...byNode].map(([node, names]) => [node, names.join(', ')]);
  return [
    '',
    ...columns([['node', 'containers'], ...rows]),
    ...(plan.unplaced.length > 0 ? [`unplaced  ${plan.unplaced.join(', ')}`] : []),
  ];
}

const moveLines = (moves: readonly Move[]): string[] =>
  moves.length === 0
    ? []
    : ['', ...columns([['moves', 'from', 'to'], ...moves.map((m) => [m.container, m.from, m.to ?? '(out)'])])];

function questionLines(a: CapacityAnswer): string[] {
  switch (a.question) {
    case 'fit': {
      const shapes = Object.keys(a.considered);
      const rows = shapes.map((s) => [s, num(a.extra?.[s]), num(a.greedy.aloneEach[s]), num(a.greedy.together[s])]);
      return [
        `fit  ${a.status}   current containers fit ${yes(a.fits)}   weighted ${num(a.weighted)}   proven at most ` +
          `${num(a.upperBound)}   repack ${yes(a.repack)}`,
        '',
        ...columns([['shape', 'extra copies', 'greedy alone', 'greedy together'], ...rows]),
        ...moveLines(a.moves),
        ...planLines(a.plan),
      ];
    }
    case 'buy':
      return [
        `buy  ${a.status}   price ${num(a.price)}   bound ${num(a.bound)}   gap ${pct(a.gap)}`,
        '',
        ...columns([['node type', 'to buy'], ...Object.entries(a.buy ?? {}).map(([t, n]) => [t, String(n)])]),
        ...(a.nodes && a.nodes.length > 0 ? [`new nodes  ${a.nodes.join(', ')}`] : []),
        ...planLines(a.plan),
      ];
    case 'whatIf':
      return [
        `whatIf  ${a.status}   everything fits ${yes(a.fits)}   moves ${a.moveCount}   ` +
          `objective ${num(a.objective)}   bound ${num(a.bound)}`,
        ...moveLines(a.moves),
        ...(a.unplaced.length > 0 ? ['', `left out  ${a.unplaced.join(', ')}`] : []),
        ...planLines(a.plan),
      ];
    case 'moveBudget':
      return [
        'moveBudget: the best objective for each number of moves allowed',
        '',
        ...columns([
          ['max moves', 'status', 'objective', 'bound', 'moves', 'moved'],
          ...a.curve.map((p) => [
            String(p.maxMoves),
            p.status,
            num(p.objective),
            num(p.bound),
            num(p.moves),
            (p.moved ?? []).join(', '),
          ]),
        ]),
        ...planLines(a.plan),
      ];
    case 'consolidate':
      return consolidateLines(a);
  }
}

/** The frontier: one row per count of nodes removed; then the runbook of the last point with a change plan. */
function consolidateLines(a: Extract<CapacityAnswer, { question: 'consolidate' }>): string[] {
  const last = [...a.frontier].reverse().find((p) => p.changes && p.changes.runbook.length > 0);
  return [
    'consolidate: for each number of nodes removed, the price left, the fewest moves and the waves',
    '',
    ...columns([
      ['removed', 'status', 'price', 'saved', 'moves', 'waves', 'nodes'],
      ...a.frontier.map((p) => [
        String(p.removed),
        p.status,
        num(p.price),
        num(p.saved),
        num(p.moves),
        num(p.waves),
        p.nodes.join(', '),
      ]),
    ]),
    ...(last ? ['', `waves with ${last.removed} nodes removed:`, ...last.changes!.runbook] : []),
  ];
}

export function renderCapacityTable(a: CapacityAnswer): string {
  const notes = a.notes.length > 0 ? ['', ...a.notes.map((n) => `note: ${n}`)] : [];
  return `${[...questionLines(a), ...notes].join('\n')}\n`;
}
