// Admin API calls of the data pages (executions, tables, versions) that
// api.ts does not have: the request history's filters, retries that choose
// their version, record search and filters, publishing with a note.
import { request, type Execution } from './api';

const q = encodeURIComponent;

/** RequestInfo is what an endpoint run's record keeps of its request. */
export interface RequestInfo { method: string; path: string; status: number; headers?: Record<string, string> }
/** Run is an execution record with where it came from. */
export interface Run extends Execution {
  version?: number;
  draft?: boolean;
  request?: RequestInfo;
}

export interface RunFilter {
  id?: string;
  status?: string;
  function?: string;
  from?: string; // RFC 3339
  to?: string;
  internal?: boolean;
  before?: string;
  limit?: number;
}

export interface RecordQuery {
  page: number;
  perPage: number;
  sort: string; // column, -column for descending
  search?: string;
  filters?: string[]; // column:op:value
}

export const dataApi = {
  runs: (f: RunFilter) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(f)) if (v !== undefined && v !== '' && v !== false) p.set(k, String(v));
    return request<{ items: Run[]; next: string | null }>('GET', `/executions?${p}`);
  },
  run: (id: string) => request<Run>('GET', `/executions/${q(id)}`),
  /** retry runs an execution again: the version it ran ("run") or the published one. */
  retry: (id: string, version: 'run' | 'published') =>
    request<{ id: string; status_url: string; status?: string; version: number; draft?: boolean }>('POST', `/executions/${q(id)}/retry`, { version }),
  records: (table: string, rq: RecordQuery) => {
    const p = new URLSearchParams({ page: String(rq.page), per_page: String(rq.perPage), sort: rq.sort });
    if (rq.search) p.set('search', rq.search);
    for (const f of rq.filters ?? []) p.append('filter', f);
    return request<{ items: Record<string, unknown>[]; total: number; page: number; per_page: number }>('GET', `/tables/${q(table)}/records?${p}`);
  },
  publish: (name: string, version: number, note: string) =>
    request<{ name: string; published: number }>('POST', `/definitions/${q(name)}/publish`, note ? { version, note } : { version }),
};
