import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { startServer, type RunningServer } from '../../bench/server.js';
import { ROOT } from '../helpers.js';

/**
 * The documented examples run as written: each `<!-- example: name -->` in README.md and docs/*.md is followed by
 * a ```sh block and the ```json block of what it prints. The commands run in a shell at the repository's root,
 * against the real service (started here; `localhost:8080` in a command is its address), with bin/ on PATH as the
 * docs say; what they print must be the JSON shown.
 */
const FILES = [
  'README.md',
  ...['api', 'changes', 'cli', 'jobs', 'kubernetes-input', 'objectives', 'swarm', 'topology'].map(
    (d) => `docs/${d}.md`,
  ),
];

interface Example {
  readonly file: string;
  readonly name: string;
  readonly command: string;
  readonly output: unknown;
}

function examples(file: string): Example[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/<!-- example: ([\w-]+) -->\n```sh\n([\s\S]*?)\n```\n\n```json\n([\s\S]*?)\n```/g)].map(
    (m) => ({ file, name: m[1]!, command: m[2]!, output: JSON.parse(m[3]!) as unknown }),
  );
}

const sh = (command: string, env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string; code: number }> =>
  new Promise((resolve) =>
    execFile('sh', ['-c', command], { cwd: ROOT, env, maxBuffer: 64 * 2 ** 20 }, (err, stdout, stderr) =>
      resolve({ stdout, stderr, code: err ? ((err as { code?: number }).code ?? 1) : 0 }),
    ),
  );

describe('the documented examples run as written', function () {
  this.timeout(180_000);
  let server: RunningServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.stop();
  });

  const all = FILES.flatMap(examples);
  it('the docs have examples to run', () => assert.ok(all.length >= 2, `${all.length} examples`));

  for (const e of all)
    it(`${e.file}: ${e.name}`, async () => {
      const PATH = [join(ROOT, 'bin'), dirname(process.execPath), process.env['PATH'] ?? ''].join(delimiter);
      const command = e.command.replaceAll('localhost:8080', server.url.replace(/^http:\/\//, ''));
      const r = await sh(command, { ...process.env, PATH });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), e.output, r.stdout);
    });
});
