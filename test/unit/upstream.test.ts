import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateConverted } from '../../models/validate.js';
import { verifyPlan } from '../../solver/verify.js';
import { ROOT } from '../helpers.js';

/**
 * kube-scheduler's own filter test tables (fixtures/upstream/, translated with their source file, test and
 * commit), checked node by node: for every node of a case, the incoming pod is put there beside the running pods,
 * and the plan goes through the verifier, as POST /v1/evaluate's `given` does. A node passes when no violation of
 * the case's plugin is found (upstream runs that one plugin alone, so the others' violations are not its verdict).
 */
interface Case {
  readonly name: string;
  readonly nodes: unknown[];
  readonly pods: { metadata: { name: string; namespace?: string }; spec: { nodeName: string } }[];
  readonly pod: { metadata: { name: string; namespace?: string } };
  readonly want: Record<string, boolean>;
  readonly namespaces?: unknown[];
  readonly args?: Record<string, unknown>;
  readonly skip?: string;
}

interface Fixture {
  readonly source: { readonly file: string; readonly test: string; readonly commit: string };
  readonly cases: Case[];
}

/** Which of the verifier's violations are the plugin's (by the rule names and block reasons it reports). */
const PLUGINS: Record<string, RegExp> = {
  podtopologyspread: /^spread |\(topology-key\)$/,
  interpodaffinity: /^(anti-)?affinity |\(affinity\)$/,
  nodeaffinity: /\(selector\)$/,
  tainttoleration: /\(taint\)$/,
  noderesources: /is over its .* capacity$/,
};

/**
 * Cases the service cannot express, each with the reason (upstream flags and plugin arguments are the scheduler's
 * configuration, not the pods'); every other case must agree on every node.
 */
function why(file: string, c: Case): string | undefined {
  if (c.skip) return c.skip;
  const args = c.args ?? {};
  if (args['addedAffinity']) return "NodeAffinityArgs.addedAffinity is the scheduler's configuration, not the pod's";
  if (args['ignoredResources'] || args['ignoredResourceGroups'])
    return "NodeResourcesFitArgs' ignored resources are the scheduler's configuration";
  if (args['enableTaintTolerationComparisonOperators'] === true)
    return 'Gt and Lt tolerations are alpha (TaintTolerationComparisonOperators), off by default';
  if (args['enableNodeInclusionPolicy'] === false && /Policy/.test(JSON.stringify(c.pod)))
    return 'the node inclusion policies with their feature gate off (on by default since 1.33)';
  void file;
  return undefined;
}

function verdicts(plugin: RegExp, c: Case): Record<string, boolean | string> {
  const body = { kind: 'List', items: [...(c.namespaces ?? []), ...c.nodes, ...c.pods, c.pod] };
  const v = validateConverted(body);
  if (!v.ok) return Object.fromEntries(Object.keys(c.want).map((n) => [n, `400: ${JSON.stringify(v.issues)}`]));
  const { model } = v;
  const index = (p: { metadata: { name: string; namespace?: string } }): number =>
    model.items.indexOf(`${p.metadata.namespace ?? 'default'}/${p.metadata.name}`);
  const plan = new Int32Array(model.items.length).fill(-1);
  for (const p of c.pods) plan[index(p)] = model.nodes.indexOf(p.spec.nodeName);
  const incoming = index(c.pod);
  return Object.fromEntries(
    Object.keys(c.want).map((node) => {
      plan[incoming] = model.nodes.indexOf(node);
      const relevant = verifyPlan(model, plan, true).violations.filter((x) => plugin.test(x));
      return [node, relevant.length === 0 ? true : relevant.join('; ')];
    }),
  );
}

describe("kube-scheduler's filter tests, node by node (fixtures/upstream)", function () {
  this.timeout(120_000);
  const dir = join(ROOT, 'fixtures', 'upstream');
  const totals = { verdicts: 0, agree: 0, cases: 0, skipped: [] as string[] };
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const fixture = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Fixture;
    const plugin = PLUGINS[file.split('-')[0]!]!;
    describe(`${fixture.source.test} (${fixture.source.file} at ${fixture.source.commit.slice(0, 12)})`, () => {
      for (const c of fixture.cases) {
        const skip = why(file, c);
        if (skip) {
          totals.skipped.push(`${fixture.source.test} "${c.name}": ${skip}`);
          continue;
        }
        it(c.name, () => {
          const got = verdicts(plugin, c);
          totals.cases++;
          const wrong = Object.entries(c.want).filter(([node, want]) => (got[node] === true) !== want);
          totals.verdicts += Object.keys(c.want).length;
          totals.agree += Object.keys(c.want).length - wrong.length;
          assert.deepEqual(
            wrong.map(([node, want]) => `${node}: upstream ${want ? 'passes' : 'rejects'}, here ${got[node]}`),
            [],
          );
        });
      }
    });
  }
  after(() => {
    process.stdout.write(
      `  upstream filter verdicts: ${totals.agree} of ${totals.verdicts} agree in ${totals.cases} cases; ` +
        `${totals.skipped.length} cases left out:\n${totals.skipped.map((s) => `    ${s}`).join('\n')}\n`,
    );
  });
});
