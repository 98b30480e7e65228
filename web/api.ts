import type { Json } from './input.js';

/** The service's own API, from the page (same origin; a bearer token when the service asks for one). */
export interface ApiIssue {
  readonly path: string;
  readonly message: string;
}
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: readonly ApiIssue[],
  ) {
    super(message);
  }
}
export interface Progress {
  readonly objective: number | null;
  readonly bound: number | null;
  readonly gap: number | null;
  readonly elapsedMs: number;
}
export interface JobView {
  readonly id: string;
  readonly status: string;
  readonly progress: Progress | null;
  readonly answer?: Json;
  readonly error?: { code: string; message: string; issues: ApiIssue[] };
}

let token = sessionStorage.getItem('optiplace-token') ?? '';
export function setToken(t: string): void {
  token = t;
  sessionStorage.setItem('optiplace-token', t);
}
const headers = (): Record<string, string> => ({
  'content-type': 'application/json',
  ...(token ? { authorization: `Bearer ${token}` } : {}),
});

async function failure(res: Response): Promise<ApiFailure> {
  const body = (await res.json().catch(() => ({}))) as {
    error?: { code: string; message: string; issues: ApiIssue[] };
  };
  const e = body.error ?? { code: String(res.status), message: res.statusText, issues: [] };
  return new ApiFailure(res.status, e.code, e.message, e.issues ?? []);
}

export async function submitJob(kind: string, input: Json): Promise<string> {
  const res = await fetch('/v1/jobs', { method: 'POST', headers: headers(), body: JSON.stringify({ kind, input }) });
  if (res.status !== 202) throw await failure(res);
  return String(((await res.json()) as Json)['id']);
}

export async function cancelJob(id: string): Promise<JobView> {
  const res = await fetch(`/v1/jobs/${id}`, { method: 'DELETE', headers: headers() });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as JobView;
}

/** The job's server-sent events, read with fetch (so the token goes along): progress, then the finished job. */
export async function watchJob(id: string, onProgress: (p: Progress) => void): Promise<JobView> {
  const res = await fetch(`/v1/jobs/${id}/events`, { headers: headers() });
  if (!res.ok || !res.body) throw await failure(res);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error('the event stream ended before the job did');
    buffer += value;
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (!event || data === undefined) continue;
      if (event === 'progress') onProgress(JSON.parse(data) as Progress);
      if (event === 'end') {
        void reader.cancel();
        return JSON.parse(data) as JobView;
      }
    }
  }
}

export async function exportLp(route: string, input: Json): Promise<string> {
  const res = await fetch(`/v1/${route}?format=lp`, {
    method: 'POST',
    headers: headers(),
    body: JSON.stringify(input),
  });
  if (!res.ok) throw await failure(res);
  return res.text();
}
