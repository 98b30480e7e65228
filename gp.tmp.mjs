import { scaleSnapshot } from '/work/main/dist/bench/scale.js';
import { validateSnapshot } from '/work/main/dist/models/validate.js';
import { greedyPlan } from '/work/main/dist/solver/greedy.js';
const v = validateSnapshot(JSON.parse(JSON.stringify(scaleSnapshot(5000, 150000, 42))));
for (let k = 0; k < 4; k++) { const t = Date.now(); greedyPlan(v.model); console.log('greedy', Date.now() - t, 'ms'); }
