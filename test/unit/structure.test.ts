import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ESLint } from 'eslint';
import { RULE_KINDS } from '../../models/rules/registry.js';
import { ROOT } from '../helpers.js';

/**
 * The structure issue 23 set up, checked by outcome: a rule kind's literal lives in its own module (and the
 * model's type) only, and the lint layer rules refuse a solver library or an engine's internals anywhere but
 * solver/backends/ and bench/.
 */

/** Every TypeScript source file under the folders the service is built from. */
function sources(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
    );
  return ['models', 'solver', 'planning', 'server', 'jobs', 'cli'].flatMap(walk);
}

/**
 * Where a kind's literal may stand besides its module and the model's type, each with the reason: the snapshot's
 * field that shares the word is a field name, not the kind.
 */
const FIELD_NAMES: Readonly<Record<string, readonly string[]>> = {
  // containers[].spread, which the size limits count before the schema runs
  spread: ['models/counts.ts'],
  // options.topology.keepFree, the issue path of its check against the levels
  keepFree: ['models/snapshot.ts'],
  // containers[].gang, which the size limits read (a topology-aware group defaults to its gang)
  gang: ['models/counts.ts'],
};

describe('the structure: rule kinds in their modules, solver libraries behind the engines', function () {
  this.timeout(60_000);
  it('the literal of a rule kind appears only in its own module and the model type', () => {
    const files = sources().map((f) => ({
      file: relative(ROOT, join(ROOT, f)),
      text: readFileSync(join(ROOT, f), 'utf8'),
    }));
    for (const kind of Object.keys(RULE_KINDS)) {
      const allowed = new Set([`models/rules/${kind}.ts`, 'models/model.ts', ...(FIELD_NAMES[kind] ?? [])]);
      const pattern = new RegExp(`['"\`]${kind}['"\`]`);
      const found = files.filter((f) => pattern.test(f.text)).map((f) => f.file);
      assert.deepEqual(
        found.filter((f) => !allowed.has(f)),
        [],
        `'${kind}' outside its module`,
      );
      assert.ok(found.includes(`models/rules/${kind}.ts`), `${kind} has its module`);
    }
  });

  it('lint refuses a solver library or an engine adapter imported outside solver/backends/', async () => {
    // Type-aware rules need a file on disk in the project: off here, where only the import rules matter.
    const eslint = new ESLint({
      cwd: ROOT,
      overrideConfig: {
        languageOptions: { parserOptions: { projectService: false } },
        rules: {
          '@typescript-eslint/no-floating-promises': 'off',
          '@typescript-eslint/no-misused-promises': 'off',
          '@typescript-eslint/await-thenable': 'off',
        },
      },
    });
    const lint = async (file: string, code: string): Promise<string[]> => {
      const [r] = await eslint.lintText(code, { filePath: join(ROOT, file) });
      return r!.messages.map((m) => m.ruleId ?? m.message);
    };
    for (const lib of ['highs', 'glpk.js/node', 'javascript-lp-solver'])
      for (const file of ['solver/scale/probe.ts', 'solver/probe.ts', 'planning/probe.ts', 'test/unit/probe.ts'])
        assert.deepEqual(await lint(file, `import * as x from '${lib}';\nexport const y = x;\n`), [
          'no-restricted-imports',
        ]);
    for (const adapter of ['highs', 'glpk', 'jslp', 'copy'])
      assert.deepEqual(
        await lint('solver/scale/probe.ts', `import * as x from '../backends/${adapter}.js';\nexport const y = x;\n`),
        ['import-x/no-restricted-paths'],
      );
    assert.deepEqual(await lint('solver/backends/probe.ts', "import * as x from 'highs';\nexport const y = x;\n"), []);
    assert.deepEqual(
      await lint('solver/scale/probe.ts', "import * as x from '../backends/index.js';\nexport const y = x;\n"),
      [],
    );
  });
});
