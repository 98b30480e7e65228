import { BlockList, isIP } from 'node:net';
import type { SwarmNode, SwarmPlacement } from './swarm-schema.js';

/**
 * Swarm placement constraints and platforms with swarmkit's exact meaning (manager/constraint/constraint.go and
 * the scheduler's PlatformFilter, manager/scheduler/filter.go): `key==value` or `key!=value`; values compare
 * case-insensitively, label names case-sensitively; a missing attribute or label is the empty string; a key of no
 * known form matches no node.
 */

export interface Constraint {
  readonly key: string;
  readonly equal: boolean;
  readonly value: string;
}

// swarmkit's patterns, as they are: Go's \s is [\t\n\f\r ], and its (?i) folds Unicode as /iu does.
const KEY = /^[a-z_][a-z0-9\-_.]+$/iu;
const VALUE = /^[a-z0-9:\-_\t\n\f\r .*()?+[\]\\^$|/]+$/iu;
/** What Go's strings.TrimSpace trims (unicode.IsSpace; not U+FEFF, which String.prototype.trim also trims). */
const SPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const TRIM = new RegExp(`^${SPACE}+|${SPACE}+$`, 'g');
const goTrim = (s: string): string => s.replace(TRIM, '');
const NODE_LABELS = 'node.labels.';
const ENGINE_LABELS = 'engine.labels.';

/** One constraint expression, or why swarmkit refuses it. */
export function parseConstraint(expr: string): Constraint | { readonly error: string } {
  // The first operator the expression contains, in swarmkit's order ("==" before "!=").
  const op = ['==', '!='].find((o) => expr.includes(o));
  if (!op) return { error: 'must be "key==value" or "key!=value"' };
  const at = expr.indexOf(op);
  const key = goTrim(expr.slice(0, at));
  const value = goTrim(expr.slice(at + 2));
  if (!KEY.test(key)) return { error: `key '${key}' is invalid` };
  if (!VALUE.test(value)) return { error: `value '${value}' is invalid` };
  return { key, equal: op === '==', value };
}

const lower = (s: string): string => s.toLowerCase();

/** One code point's case partner test: the same, or the same lower or upper case (Go's simple folding orbits). */
function sameFold(a: string, b: string): boolean {
  if (a === b) return true;
  const [la, lb, ua, ub] = [a.toLowerCase(), b.toLowerCase(), a.toUpperCase(), b.toUpperCase()];
  return (la === lb && [...la].length === 1) || (ua === ub && [...ua].length === 1);
}

/** strings.EqualFold: equal under Unicode case folding, code point by code point. */
export function equalFold(a: string, b: string): boolean {
  const [x, y] = [[...a], [...b]];
  return x.length === y.length && x.every((c, k) => sameFold(c, y[k]!));
}

/** Whether the node's value meets the constraint (case-insensitive, as strings.EqualFold). */
function matches(c: Constraint, what: string): boolean {
  return equalFold(c.value, what) === c.equal;
}

function ipMatches(c: Constraint, addr: string | undefined): boolean {
  const nodeIp = addr && isIP(addr) ? addr : undefined;
  const family = (a: string): 'ipv4' | 'ipv6' => (isIP(a) === 6 ? 'ipv6' : 'ipv4');
  if (isIP(c.value)) {
    const list = new BlockList();
    list.addAddress(c.value, family(c.value));
    const same = nodeIp !== undefined && list.check(nodeIp, family(nodeIp));
    return same === c.equal;
  }
  const [net, bits] = c.value.split('/');
  const prefix = Number(bits);
  if (!net || !isIP(net) || bits === undefined || !/^\d+$/.test(bits) || prefix > (isIP(net) === 6 ? 128 : 32))
    return false; // a malformed address or network: swarmkit rejects the node
  const list = new BlockList();
  list.addSubnet(net, prefix, family(net));
  const within = nodeIp !== undefined && list.check(nodeIp, family(nodeIp));
  return within === c.equal;
}

/** The node's value for a constraint key; undefined where the key has no known form. */
function attribute(c: Constraint, node: SwarmNode): string | undefined {
  const key = lower(c.key);
  const d = node.Description;
  if (key === 'node.id') return node.ID;
  if (key === 'node.hostname') return d?.Hostname ?? '';
  if (key === 'node.role') return node.Spec?.Role ?? 'worker';
  if (key === 'node.platform.os') return d?.Platform?.OS ?? '';
  if (key === 'node.platform.arch') return d?.Platform?.Architecture ?? '';
  if (c.key.length > NODE_LABELS.length && key.startsWith(NODE_LABELS))
    return node.Spec?.Labels?.[c.key.slice(NODE_LABELS.length)] ?? '';
  if (c.key.length > ENGINE_LABELS.length && key.startsWith(ENGINE_LABELS))
    return d?.Engine?.Labels?.[c.key.slice(ENGINE_LABELS.length)] ?? '';
  return undefined;
}

/** Whether the node meets every constraint (constraint.NodeMatches). */
export function nodeMatches(constraints: readonly Constraint[], node: SwarmNode): boolean {
  return constraints.every((c) => {
    if (lower(c.key) === 'node.ip') return ipMatches(c, node.Status?.Addr);
    const what = attribute(c, node);
    return what !== undefined && matches(c, what);
  });
}

/** Whether a constraint key is one swarmkit knows (others match no node). */
export function knownKey(c: Constraint): boolean {
  const key = lower(c.key);
  return (
    ['node.id', 'node.hostname', 'node.ip', 'node.role', 'node.platform.os', 'node.platform.arch'].includes(key) ||
    (c.key.length > NODE_LABELS.length && key.startsWith(NODE_LABELS)) ||
    (c.key.length > ENGINE_LABELS.length && key.startsWith(ENGINE_LABELS))
  );
}

const ARCH: Record<string, string> = { x86_64: 'amd64', aarch64: 'arm64' };

/** The PlatformFilter: no platforms listed, or one the node runs ("" matches any; x86_64 is amd64). */
export function platformMatches(placement: SwarmPlacement | null | undefined, node: SwarmNode): boolean {
  const wanted = placement?.Platforms ?? [];
  if (wanted.length === 0) return true;
  const own = node.Description?.Platform;
  if (!own) return false;
  const arch = (a: string | undefined): string => ARCH[a ?? ''] ?? a ?? '';
  return wanted.some(
    (p) => (!p.Architecture || arch(p.Architecture) === arch(own.Architecture)) && (!p.OS || p.OS === (own.OS ?? '')),
  );
}

/** The spread preference's value on a node ("" where it has none), and whether swarmkit reads the descriptor. */
export function spreadValue(descriptor: string, node: SwarmNode): string | undefined {
  const key = lower(descriptor);
  if (descriptor.length > NODE_LABELS.length && key.startsWith(NODE_LABELS))
    return node.Spec?.Labels?.[descriptor.slice(NODE_LABELS.length)] ?? '';
  if (descriptor.length > ENGINE_LABELS.length && key.startsWith(ENGINE_LABELS))
    return node.Description?.Engine?.Labels?.[descriptor.slice(ENGINE_LABELS.length)] ?? '';
  return undefined;
}
