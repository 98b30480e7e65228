import { spawn } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError, type ClusterSource } from './args.js';
import { errorText, readBody } from './input.js';

/**
 * `placement plan --from-cluster`: the cluster as `kubectl get nodes,pods -o json` prints it (a `kind: List`
 * of nodes and pods, which the Kubernetes input reads as it is). kubectl runs from PATH without a shell,
 * with the caller's kubeconfig; its output goes straight to a temporary file (a cluster of 150 000 pods
 * prints several hundred MB: files of 64 MiB or more are then read by streaming, cli/stream.ts), which is
 * removed after reading.
 */

/** The arguments kubectl is run with. Nodes are cluster-scoped: `-n NS` narrows the pods only. */
export function kubectlArgs(source: ClusterSource): string[] {
  return [
    'get',
    'nodes,pods',
    '-o',
    'json',
    ...(source.context !== undefined ? ['--context', source.context] : []),
    ...(source.namespace !== undefined ? ['-n', source.namespace] : ['--all-namespaces']),
  ];
}

/** Most of kubectl's stderr kept for the message. */
const MAX_STDERR = 8192;

/** Runs kubectl with its stdout on `file`; resolves when it ends well, with a CliError otherwise. */
async function runKubectl(args: readonly string[], file: string): Promise<void> {
  const out = await open(file, 'w');
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('kubectl', args, { stdio: ['ignore', out.fd, 'pipe'] });
      let stderr = '';
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (chunk: string) => {
        if (stderr.length < MAX_STDERR) stderr += chunk.slice(0, MAX_STDERR - stderr.length);
      });
      child.on('error', (err: NodeJS.ErrnoException) =>
        reject(
          new CliError(
            err.code === 'ENOENT'
              ? 'kubectl not found on PATH (plan --from-cluster runs "kubectl get nodes,pods -o json")'
              : `cannot run kubectl: ${errorText(err)}`,
          ),
        ),
      );
      child.on('close', (code, signal) => {
        if (code === 0) return resolve();
        const how = signal !== null ? `was ended by ${signal}` : `exited with ${code}`;
        const said = stderr.trim() === '' ? '' : `:\n${stderr.trimEnd()}`;
        reject(new CliError(`kubectl ${args.join(' ')} ${how}${said}`));
      });
    });
  } finally {
    await out.close();
  }
}

/** The cluster's nodes and pods, read with kubectl, as a request body. */
export async function readCluster(source: ClusterSource): Promise<unknown> {
  const dir = await mkdtemp(join(tmpdir(), 'placement-cluster-'));
  try {
    const file = join(dir, 'cluster.json');
    const args = kubectlArgs(source);
    await runKubectl(args, file);
    return await readBody([file], `the output of kubectl ${args.join(' ')}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
