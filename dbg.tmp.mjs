import { liveSnapshot } from '/work/main/dist/bench/scale-suite.js';
import { validateSnapshot } from '/work/main/dist/models/validate.js';
import { foldPinned } from '/work/main/dist/solver/scale/fold.js';
import { aggregate } from '/work/main/dist/solver/scale/aggregate.js';
import { scaleProgram } from '/work/main/dist/solver/scale/program.js';
import { greedyPlan } from '/work/main/dist/solver/greedy.js';
import { verifyPlan } from '/work/main/dist/solver/verify.js';
const body = liveSnapshot(5000, 150000, 42, 1, true);
const v = validateSnapshot(JSON.parse(JSON.stringify(body)));
const model = v.model;
const plan = greedyPlan(model);
const ver = verifyPlan(model, plan, true);
console.log('greedy valid', ver.valid, ver.complete, ver.objective, (ver.violations ?? []).slice(0, 3));
const f = foldPinned(model);
const fm = f.model;
const fplan = f.restrict(plan);
const agg = aggregate(fm);
console.log(agg.groups.length, agg.classes.length, agg.pairs.length);
const y = new Float64Array(agg.pairs.length);
let missing = 0;
fplan.forEach((i, j) => { if (i < 0) return; const v = agg.pairAt(agg.groupOf[i], agg.classOf[j]); if (v < 0) missing++; else y[v]++; });
console.log('items on unusable pairs', missing);
const prog = scaleProgram(fm, agg);
const x = new Float64Array(prog.varCost.length); x.set(y);
// auxiliary variables unknown: report rows only over pair variables violated
const bad = {};
for (const r of prog.rows) {
  let lhs = 0, aux = false;
  for (let t = 0; t < r.vars.length; t++) { if (r.vars[t] >= prog.pairs) aux = true; lhs += r.coefs[t] * x[r.vars[t]]; }
  const viol = r.op === 'le' ? lhs > r.rhs + 1e-6 : Math.abs(lhs - r.rhs) > 1e-6;
  if (viol && !aux) { bad[r.name.replace(/[0-9_]+/g, '#')] = (bad[r.name.replace(/[0-9_]+/g, '#')] ?? 0) + 1; if (Object.keys(bad).length < 5) console.log('violated', r.name, r.kind, lhs, r.op, r.rhs); }
}
console.log(bad);
let shown = 0;
fplan.forEach((i, j) => { if (i < 0 || shown > 4) return; const c = agg.classOf[j]; const v = agg.pairAt(agg.groupOf[i], c); if (v >= 0) return; shown++;
  const cl = agg.classes[c]; console.log('item', j, 'node', i, 'group', agg.groupOf[i], 'class', c, 'pinned', cl.pinned, 'current', cl.current, 'items', cl.items.length, 'demand', Array.from(cl.demand), 'cap', Array.from(agg.groups[agg.groupOf[i]].capacity), 'pairs of class', agg.pairs.filter(p=>p.c===c).map(p=>p.g).slice(0,5), 'pinTo', fm.rules.blocked.pinnedTo?.[j], 'cur', fm.rules.current[j]); });
const g = 39; console.log('group 39', agg.groups[g].nodes, Array.from(agg.groups[g].capacity), Array.from(agg.groups[g].total));
{ const i = 3774; const on = []; plan.forEach((n, j) => n === i && on.push(j));
  console.log('node', i, model.resources.map(r => [r.name, Number(r.capacity[i]), on.reduce((t, j) => t + Number(r.demand[j]), 0)]), on.length, on.filter(j => model.rules.blocked.pinnedTo?.[j] >= 0).length); }
{ const J = f.keep[40]; console.log('full', J, model.rules.current[J], model.resources.map(r => Number(r.demand[J])), 'folded demand', fm.resources.map(r => Number(r.demand[40])), 'fm cap 3774', fm.resources.map(r => Number(r.capacity[3774])));
  const on = []; plan.forEach((n, j) => n === 3774 && on.push(j)); console.log(on.includes(J), f.folded, on.filter(j => f.keep.includes(j))); }
