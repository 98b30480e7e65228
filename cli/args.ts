import { parseArgs } from 'node:util';
import { SOLVER_NAMES } from '../models/options.js';
import type { InputIssue } from '../models/validate.js';
import type { Route } from '../planning/prepare.js';

/**
 * The command line: what to run, on what, and how to print it. Every mistake is a CliError (exit 2) whose
 * message says what was wrong; the process is ended in one place (cli/main.ts), after the solver threads.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly issues: readonly InputIssue[] = [],
  ) {
    super(message);
  }
}

export const OUTPUT_FORMATS = ['json', 'yaml', 'table'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Where `plan --from-cluster` reads the cluster (cli/cluster.ts). */
export interface ClusterSource {
  readonly context?: string;
  readonly namespace?: string;
}

/** The flags that override the input's own "options". */
export interface Overrides {
  readonly timeLimitMs?: number;
  readonly mipGap?: number;
  readonly solver?: string;
}

export interface Command {
  readonly route: Route;
  /** Files and directories ('-' for standard input); empty when the cluster is read. */
  readonly paths: readonly string[];
  readonly cluster?: ClusterSource;
  /** Docker Swarm input: the files (nodes, services, tasks) or, with `live`, what docker itself prints. */
  readonly swarm?: { readonly files: readonly string[] } | { readonly live: { readonly context?: string } };
  readonly output: OutputFormat;
  readonly exportLp: boolean;
  readonly overrides: Overrides;
  readonly quiet: boolean;
}

export type Invocation =
  { readonly kind: 'help' } | { readonly kind: 'version' } | { readonly kind: 'run'; readonly command: Command };

export function usage(name: string): string {
  return `Usage: ${name} <plan|solve|evaluate|capacity> <FILE|-> [options]
       ${name} plan --from-cluster [--context NAME] [-n NAMESPACE] [options]
       ${name} <plan|evaluate> --swarm NODES SERVICES [TASKS] [options]
       ${name} plan --from-swarm [--context NAME] [options]
       ${name} --version

Commands:
  plan FILE|-     solve a cluster snapshot: plain (nodes, containers, costs) or Kubernetes
                  ({nodeList, podList}, or a kind: List of nodes and pods)
  plan PATH...    Kubernetes manifests, JSON or YAML (multi-document), from files and
                  directories, e.g. "plan nodes.json pods.json" or "plan ./manifests/"
  plan --from-cluster
                  read the cluster with "kubectl get nodes,pods -o json --all-namespaces"
                  and plan it: pending pods are placed, bound pods stay where they run
  plan --swarm NODES SERVICES [TASKS]
                  Docker Swarm: the JSON that "docker node inspect", "docker service inspect"
                  and "docker inspect" of tasks print; Swarm's own placement is shown beside
  plan --from-swarm
                  read the swarm with docker ("docker node ls -q", "docker node inspect", the
                  same for services, and the tasks that should run) and plan it
  solve FILE|-    solve an assignment program (cost, demand, capacity, sense)
  capacity FILE|- answer the snapshot's "question": {fit: how many more copies of some
                  shapes fit}, {buy: the cheapest nodes from a catalogue}, {whatIf: nodes
                  removed or added, fewest moves}, {moveBudget: cost against moves, k = 0..K},
                  {consolidate: for k = 0..K nodes removed, the price, moves and safe waves}
  evaluate FILE|- check a given plan (the snapshot's "plan", or what runs today) against the
                  optimum: validity and every broken rule, objective, gap, both side by side

Options (override the input's own "options"):
  --time-limit-ms N   wall-clock limit in milliseconds (default 10000)
  --solver NAME       ${SOLVER_NAMES.join(' | ')} (default auto: HiGHS and GLPK race)
  --mip-gap X         stop within this relative gap (default 0: prove optimality)

Output:
  -o, --output F      json (default), yaml (the same answer as YAML) or table: each node's
                      containers and utilisation (memory in Ki/Mi/Gi, cpu in cores), the
                      greedy beside the plan, and the gap (capacity: the question's
                      figures, then the plan's nodes); --format F is the same flag
  --export lp         print the integer program as CPLEX LP text (for any solver) and exit
  -q, --quiet         no progress line. A solve that takes over a second shows its elapsed
                      time, best objective, bound and gap on one stderr line while it runs,
                      when stderr is a terminal (PLACEMENT_PROGRESS=always shows it on any
                      stderr, PLACEMENT_PROGRESS=never never)
  --version           print the version, the commit and the solver packages' versions
  -h, --help          show this help

Cluster (plan --from-cluster runs kubectl from PATH, with your kubeconfig; plan --from-swarm
runs docker from PATH):
  --context NAME      the kubeconfig context (kubectl --context NAME), or the docker context
  -n, --namespace NS  only this namespace's pods (kubectl -n NS); nodes are cluster-wide, and
                      the room other namespaces' pods take on them is then not counted

Inputs: regular files (at most 512 MiB each; JSON lists of 64 MiB or more are streamed, up to 16 GiB)
or standard input; a directory's *.json,
*.yaml and *.yml files, not its subdirectories.

Exit codes: 0 optimal or feasible, 1 infeasible, 2 bad input or usage (kubectl missing or failing
too), 3 no plan within the time limit, 4 internal error.`;
}

const OPTIONS = {
  'time-limit-ms': { type: 'string' },
  solver: { type: 'string' },
  'mip-gap': { type: 'string' },
  export: { type: 'string' },
  output: { type: 'string', short: 'o' },
  format: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  'from-cluster': { type: 'boolean' },
  swarm: { type: 'boolean' },
  'from-swarm': { type: 'boolean' },
  context: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  version: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function parseNumberFlag(name: string, value: string | undefined, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x) || (integer && !Number.isInteger(x)))
    throw new CliError(`--${name} must be ${integer ? 'an integer' : 'a number'}, got "${value}"`);
  return x;
}

function overridesOf(values: Values): Overrides {
  const timeLimitMs = parseNumberFlag('time-limit-ms', values['time-limit-ms'], true);
  const mipGap = parseNumberFlag('mip-gap', values['mip-gap'], false);
  return {
    ...(timeLimitMs === undefined ? {} : { timeLimitMs }),
    ...(mipGap === undefined ? {} : { mipGap }),
    ...(values.solver === undefined ? {} : { solver: values.solver }),
  };
}

/** -o / --output, or its older name --format (the same values; both given must agree). */
function outputOf(values: Values): OutputFormat {
  const { output, format } = values;
  if (output !== undefined && format !== undefined && output !== format)
    throw new CliError(`-o/--output "${output}" and --format "${format}" disagree: give one`);
  const value = output ?? format ?? 'json';
  if (!(OUTPUT_FORMATS as readonly string[]).includes(value))
    throw new CliError(
      `${output !== undefined ? '-o/--output' : '--format'} must be json, yaml or table, got "${value}"`,
    );
  return value as OutputFormat;
}

/** --from-cluster and its --context and -n/--namespace; undefined when the input is files. */
function clusterOf(values: Values, route: string, paths: readonly string[]): ClusterSource | undefined {
  const { context, namespace } = values;
  if (!values['from-cluster']) {
    if (namespace !== undefined || (context !== undefined && !values['from-swarm']))
      throw new CliError('--context and -n/--namespace go with --from-cluster');
    return undefined;
  }
  if (route !== 'plan') throw new CliError('--from-cluster goes with plan');
  if (paths.length > 0) throw new CliError('plan --from-cluster reads the cluster: give no FILE as well');
  for (const [flag, v] of [
    ['--context', context],
    ['-n/--namespace', namespace],
  ] as const)
    if (v !== undefined && (v === '' || v.startsWith('-'))) throw new CliError(`${flag} must be a name, got "${v}"`);
  return { ...(context !== undefined ? { context } : {}), ...(namespace !== undefined ? { namespace } : {}) };
}

/** --swarm NODES SERVICES [TASKS] (plan, evaluate) or --from-swarm [--context NAME] (plan). */
function swarmOf(values: Values, route: string, paths: readonly string[]): Command['swarm'] {
  if (values.swarm && values['from-swarm']) throw new CliError('give --swarm FILES or --from-swarm, not both');
  if (values['from-swarm']) {
    if (values['from-cluster']) throw new CliError('give --from-cluster or --from-swarm, not both');
    if (route !== 'plan') throw new CliError('--from-swarm goes with plan');
    if (paths.length > 0) throw new CliError('plan --from-swarm reads the swarm: give no FILE as well');
    const { context } = values;
    if (context !== undefined && (context === '' || context.startsWith('-')))
      throw new CliError(`--context must be a name, got "${context}"`);
    return { live: context !== undefined ? { context } : {} };
  }
  if (!values.swarm) return undefined;
  if (route !== 'plan' && route !== 'evaluate') throw new CliError('--swarm goes with plan or evaluate');
  if (paths.length < 2 || paths.length > 3)
    throw new CliError(
      '--swarm reads NODES SERVICES [TASKS]: the files docker node inspect, docker service ' +
        'inspect and docker inspect of tasks print',
    );
  return { files: paths };
}

const ROUTES: readonly string[] = ['plan', 'solve', 'evaluate', 'capacity'];

function commandOf(values: Values, positionals: readonly string[], name: string): Command {
  const [route = '', ...paths] = positionals;
  const swarm = swarmOf(values, route, paths);
  if (swarm) return { ...common(values), route: route as Route, paths: [], swarm };
  const cluster = clusterOf(values, route, paths);
  if (!ROUTES.includes(route) || (!cluster && paths.length === 0) || (route !== 'plan' && paths.length > 1))
    throw new CliError(
      `expected "plan FILE" or "solve FILE" (or "evaluate FILE", "capacity FILE"; - for stdin; ` +
        `"plan --from-cluster")\n${usage(name)}`,
    );
  if (values.export !== undefined && values.export !== 'lp')
    throw new CliError(`--export must be "lp", got "${values.export}"`);
  return { ...common(values), route: route as Route, paths, ...(cluster ? { cluster } : {}) };
}

function common(values: Values): Pick<Command, 'output' | 'exportLp' | 'overrides' | 'quiet'> {
  return {
    output: outputOf(values),
    exportLp: values.export === 'lp',
    overrides: overridesOf(values),
    quiet: values.quiet ?? false,
  };
}

/** What the command line asks for; `name` is how the program was called (for the usage text). */
export function parseInvocation(argv: readonly string[], name: string): Invocation {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, options: OPTIONS });
  } catch (err) {
    throw new CliError(`${err instanceof Error ? err.message : String(err)}\n${usage(name)}`);
  }
  if (parsed.values.help) return { kind: 'help' };
  if (parsed.values.version) return { kind: 'version' };
  return { kind: 'run', command: commandOf(parsed.values, parsed.positionals, name) };
}
