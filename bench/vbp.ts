import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The 16 vector bin packing instances in fixtures/vbp (public, with proven optima: see its ATTRIBUTION.md),
 * for `npm run bench -- --suite vbp` and the tests.
 */
export function vbpInstances(root: string): { file: string; text: string; optimum: number }[] {
  const dir = join(root, 'fixtures', 'vbp');
  return readFileSync(join(dir, 'known-values.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [file, , , , optimum] = line.split(',');
      return { file: file!, text: readFileSync(join(dir, file!), 'utf8'), optimum: Number(optimum) };
    });
}

/** A VPSolver .vbp file as a snapshot: d dimensions, capacities, then item sizes and multiplicities. */
export function vbpSnapshot(
  text: string,
  timeLimitMs: number,
): { nodes: object[]; containers: object[]; options: object } {
  const t = text.trim().split(/\s+/).map(Number);
  const d = t[0]!;
  const capacity = t.slice(1, 1 + d);
  const types = t[1 + d]!;
  const names = ['cpu', 'memory', ...Array.from({ length: Math.max(0, d - 2) }, (_, k) => `example.com/dim${k + 3}`)];
  const items: number[][] = [];
  for (let k = 0; k < types; k++) {
    const row = t.slice(2 + d + k * (d + 1), 2 + d + (k + 1) * (d + 1));
    for (let q = 0; q < row[d]!; q++) items.push(row.slice(0, d));
  }
  return {
    nodes: items.map((_, i) => ({
      name: `bin-${i}`,
      capacity: Object.fromEntries(capacity.map((w, k) => [names[k], w])),
    })),
    containers: items.map((it, j) => ({
      name: `item-${j}`,
      requests: Object.fromEntries(it.map((w, k) => [names[k], w])),
    })),
    options: { objective: 'pack', timeLimitMs },
  };
}
