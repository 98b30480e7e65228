const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** ['containers', 2, 'requests', 'nvidia.com/gpu'] → containers[2].requests["nvidia.com/gpu"] */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && IDENTIFIER.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out || '(body)';
}

/** A problem with the input at a path not yet formatted (formatPath writes it for the answer). */
export interface PathIssue {
  readonly path: (string | number)[];
  readonly message: string;
}
