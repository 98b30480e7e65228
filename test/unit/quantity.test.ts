import assert from 'node:assert/strict';
import { formatMilli, numberToPicoUnits, parseQuantity } from '../../models/quantity.js';
import fc from 'fast-check';
import { int64Doubles } from '../../models/model.js';
import { validateSnapshot } from '../../models/validate.js';

describe('Kubernetes quantities', () => {
  const valid: { input: string | number; wantMilli: bigint }[] = [
    { input: '500m', wantMilli: 500n },
    { input: '2', wantMilli: 2000n },
    { input: '1.5', wantMilli: 1500n },
    { input: '16Gi', wantMilli: 16n * 1024n ** 3n * 1000n },
    { input: '1.5Gi', wantMilli: 1610612736000n },
    { input: '4G', wantMilli: 4_000_000_000_000n },
    { input: '1e3', wantMilli: 1_000_000n },
    { input: '1E3', wantMilli: 1_000_000n },
    { input: '1e-3', wantMilli: 1n },
    { input: '1k', wantMilli: 1_000_000n },
    { input: '2Ki', wantMilli: 2_048_000n },
    { input: '1Ei', wantMilli: 1024n ** 6n * 1000n },
    { input: '1E', wantMilli: 10n ** 21n },
    { input: '.5', wantMilli: 500n },
    { input: '5.', wantMilli: 5000n },
    { input: '+1', wantMilli: 1000n },
    { input: '0', wantMilli: 0n },
    { input: '0.1m', wantMilli: 1n }, // rounded up to 1m, as Kubernetes does
    { input: '1.0001', wantMilli: 1001n },
    { input: 0.25, wantMilli: 250n },
    { input: 8, wantMilli: 8000n },
    { input: 1e18, wantMilli: 10n ** 21n },
  ];
  for (const { input, wantMilli } of valid) {
    it(`parses ${JSON.stringify(input)}`, () => {
      assert.deepEqual(parseQuantity(input), { ok: true, value: wantMilli });
    });
  }

  const invalid: (string | number)[] = [
    '',
    '1K',
    '1.5.0',
    'abc',
    '1 Gi',
    ' 1',
    '1Gi ',
    '-1',
    '1e',
    '1ee3',
    '1.5e1.5',
    'Gi',
    '.',
    '1mi',
    '1gi',
    '--1',
    '9223372036854775808',
    '1e400',
    '1e999999999',
    1e21,
    '1Mii',
    -3,
    Number.NaN,
  ];
  for (const input of invalid) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      const r = parseQuantity(input);
      assert.equal(r.ok, false);
    });
  }

  it('accepts the largest value, 2^63-1, and refuses one more', () => {
    assert.deepEqual(parseQuantity('9223372036854775807'), { ok: true, value: 9223372036854775807000n });
    assert.equal(parseQuantity('9223372036854775808').ok, false);
  });

  it('refuses pinned containers whose load on one node passes 2^63−1 milli-units (found by the Swarm fuzz)', () => {
    const pinned = (name: string, memory: number) => ({ name, requests: { memory }, current: 'a', pinned: true });
    const body = (memory: number) => ({
      nodes: [{ name: 'a', capacity: { memory: 0 } }],
      containers: [pinned('r', memory), pinned('q', memory)],
    });
    // Each fits in 64 bits; their sum (the overfilled node's raised capacity) does not.
    const v = validateSnapshot(body(Number.MAX_SAFE_INTEGER));
    assert.ok(!v.ok);
    assert.deepEqual(v.issues, [
      {
        path: 'containers[0].requests.memory',
        message: 'the containers pinned on node "a" request more memory together than an exact 64-bit integer holds',
      },
    ]);
    assert.ok(validateSnapshot(body(2 ** 52)).ok, 'half of it fits: the node is overfilled, the model exact');
  });

  it('formats milli-units back to base units', () => {
    assert.equal(formatMilli(1500n), '1.5');
    assert.equal(formatMilli(17179869184000n), '17179869184');
    assert.equal(formatMilli(1n), '0.001');
  });

  it('converts program numbers to exact integers, refusing finer than 12 decimals', () => {
    assert.deepEqual(numberToPicoUnits(0.1), { ok: true, value: 100_000_000_000n });
    assert.deepEqual(numberToPicoUnits(7), { ok: true, value: 7_000_000_000_000n });
    assert.equal(numberToPicoUnits(0.1 + 0.2).ok, false);
    assert.equal(numberToPicoUnits(-1).ok, false);
  });
});

describe('64-bit amounts as doubles (int64Doubles)', () => {
  it('gives what Number() gives for every 64-bit integer, exact up to 2^53, from any offset of a shared buffer', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
            fc.bigInt({ min: -(2n ** 54n), max: 2n ** 54n }),
          ),
          {
            maxLength: 20,
          },
        ),
        fc.nat(3),
        (values, offset) => {
          const a = new BigInt64Array(new SharedArrayBuffer(8 * (values.length + offset)), 8 * offset, values.length);
          values.forEach((v, k) => (a[k] = v));
          assert.deepEqual([...int64Doubles(a)], values.map(Number));
        },
      ),
      { numRuns: 500, seed: 64 },
    );
  });
});
