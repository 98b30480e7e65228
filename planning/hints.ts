import { isRecord } from '../models/own.js';
import type { Route } from './prepare.js';

/**
 * A refused body that is another route's input, or a test fixture posted whole: the hint that says so, added to
 * the error's message (its code, path and issues stay as they are).
 */
export function routeHint(route: Route, body: unknown): string | undefined {
  if (!isRecord(body)) return undefined;
  const has = (...keys: string[]): boolean => keys.every((k) => k in body);
  if (has('input') && (has('want') || has('name') || has('description')))
    return 'the body looks like a test fixture ({name, description, input, want}): post its `input` alone';
  const program = has('cost') && (has('demand') || has('capacity')) && !has('nodes');
  const snapshot = has('nodes') || has('containers') || has('nodeList') || body['kind'] === 'List';
  const target = program
    ? 'solve'
    : snapshot && has('question')
      ? 'capacity'
      : snapshot && has('plan')
        ? 'evaluate'
        : snapshot
          ? 'plan'
          : undefined;
  if (!target || target === route) return undefined;
  const what = {
    solve: 'an assignment program',
    capacity: 'a capacity question',
    evaluate: 'a snapshot with a plan',
    plan: 'a cluster snapshot',
  }[target];
  return `the body looks like ${what}: POST it to /v1/${target}`;
}
