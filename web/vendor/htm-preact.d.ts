// Types of /assets/htm-preact.mjs, which server/web.ts serves from the package.
export interface VNode {
  readonly type: unknown;
  readonly props: unknown;
}
export const html: (strings: TemplateStringsArray, ...values: unknown[]) => VNode;
export function render(tree: VNode, parent: Element): void;
export function useState<T>(initial: T | (() => T)): [T, (next: T | ((prev: T) => T)) => void];
export function useEffect(effect: () => void | (() => void), deps?: readonly unknown[]): void;
export function useMemo<T>(factory: () => T, deps: readonly unknown[]): T;
export function useRef<T>(initial: T | null): { current: T | null };
