// The admin API client (/_/api, see admin-api-contract): every call sends
// the admin token kept in sessionStorage and turns error answers into
// ApiError with the server's message and diagnostics.

export type Severity = 'error' | 'warning';
export interface Diagnostic {
  definition?: string;
  path: string;
  message: string;
  line?: number;
  col?: number;
  severity: Severity;
}

export interface CatalogueField {
  name: string;
  kind: string;
  required?: boolean;
  description?: string;
  values?: string[];
  default?: unknown;
  /** columns: the expression reads the step's table's columns as <table>.<column>. */
  columns?: boolean;
  /** expects: the kind of value an expression field gives (text, number, int, bool, list, object; none: any): its value modes. */
  expects?: string;
  /** dynamic: the field may instead be one expression giving its value (db.add's data: input.record). */
  dynamic?: boolean;
  /** local: what the field declares stays inside the step (a loop variable; a loop body's variables). */
  local?: boolean;
}
/** FnDoc is one expression function of GET /_/api/functions. */
export interface FnDoc { name: string; category: string; signature: string; description: string; example?: string; result?: string }
export interface StepType {
  type: string;
  category: string;
  description: string;
  fields: CatalogueField[] | null;
  example?: Record<string, unknown>;
  /** title is the friendly name ("Query records"); summary the one-line template (engine.StepType.Summary). */
  title?: string;
  summary?: string;
}

export interface DefSummary {
  name: string;
  kind: string;
  latest: number;
  published: number;
  draft: boolean;
  updated_at?: string;
  method?: string;
  path?: string;
}
export interface DefAnswer {
  name: string;
  kind: string;
  version: number;
  latest: number;
  published: number;
  content: Definition;
  diagnostics?: Diagnostic[];
}
export type Definition = Record<string, any>;
/** Dependency is a draft that must be published with another (workspace.Dependency). */
export interface Dependency { name: string; kind: string; version: number; published: number; used_by: string; reason: string }

export interface TraceEntry {
  path: string;
  type: string;
  definition?: string;
  start_ns?: number;
  duration_ns?: number;
  result?: unknown;
  error?: any;
  /** vars are the variables in scope before the step (debug runs), or when it failed (a failed run's record). */
  vars?: Record<string, unknown>;
  vars_omitted?: boolean;
}
export interface RunAnswer {
  execution_id: string;
  status: string;
  output: unknown;
  error: any;
  duration_ms: number;
  http?: { status: number; headers: Record<string, string> };
  trace?: TraceEntry[];
  logs?: { time: string; value: unknown }[];
}
export interface Execution {
  id: string;
  function: string;
  mode?: string;
  status: string;
  input?: unknown;
  output?: unknown;
  error?: any;
  attempts?: number;
  parent_id?: string;
  created_at?: string;
  started_at?: string;
  finished_at?: string;
  duration_ms?: number;
  trace?: TraceEntry[];
  logs?: { time: string; value: unknown }[];
}
/** ValueType is one entry of the value-type catalogue: what the builder needs to offer and edit a type. */
export interface ValueType {
  name: string;
  description: string;
  /** editor: the editor kind a value is edited with (values.ts EDITOR_KINDS). */
  editor: string;
  /** input, column: an input, a table field may have the type. */
  input: boolean;
  column: boolean;
  list_ok: boolean;
  /** bounds: what an input's min and max bound ("value", "length", "size"; absent: nothing). */
  bounds?: 'value' | 'length' | 'size';
  /** values: an input's values (the allowed texts) apply; fields: an input may declare its fields. */
  values?: boolean;
  fields?: boolean;
  /** equality, ordered, searchable: which where operators a column of the type takes (the record browser's filters). */
  equality: boolean;
  ordered: boolean;
  searchable: boolean;
  /** relation: the field links to another table's records, "one" (a ref column) or "many" (no column). */
  relation?: 'one' | 'many';
  example?: unknown;
  schema: Record<string, unknown>;
  /** sql: the column type on each dialect; absent when the type has no column. */
  sql?: Record<string, string>;
}

export interface TableInfo {
  name: string;
  id_type: string;
  /** values: the texts a column allows, when its field lists them. */
  columns: { name: string; type: string; required?: boolean; unique?: boolean; ref?: string; values?: string[] }[];
  indexes?: unknown[];
  rows: number;
}

export class ApiError extends Error {
  status: number;
  code: string;
  diagnostics: Diagnostic[];
  body: any;
  constructor(status: number, body: any) {
    const e = body?.error ?? {};
    super(e.message || `the server answered ${status}`);
    this.status = status;
    this.code = e.code || String(status);
    this.diagnostics = e.diagnostics || [];
    this.body = body;
  }
}

const TOKEN_KEY = 'funcstack.token';
export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY) || '',
  set: (t: string) => sessionStorage.setItem(TOKEN_KEY, t),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(f: () => void) {
  onUnauthorized = f;
}

export async function request<T = any>(method: string, path: string, body?: unknown, tok = token.get()): Promise<T> {
  const headers: Record<string, string> = { Authorization: `Bearer ${tok}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`/_/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new ApiError(0, { error: { code: 'network', message: `cannot reach the server (${(err as Error).message}); is funcstack serve running?` } });
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: any = undefined;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = { error: { message: text.slice(0, 300) } };
  }
  if (!res.ok) {
    if (res.status === 401) onUnauthorized();
    throw new ApiError(res.status, data);
  }
  return data as T;
}

const q = encodeURIComponent;
export const api = {
  steps: (tok?: string) => request<StepType[]>('GET', '/steps', undefined, tok),
  functions: () => request<FnDoc[]>('GET', '/functions'),
  definitions: () => request<{ items: DefSummary[] }>('GET', '/definitions'),
  definition: (name: string, version?: number) =>
    request<DefAnswer>('GET', `/definitions/${q(name)}${version ? `?version=${version}` : ''}`),
  create: (def: Definition) => request('POST', '/definitions', def),
  save: (def: Definition, publish = false) =>
    request<{ name: string; version: number; changed: boolean; published: boolean | number; diagnostics?: Diagnostic[] }>(
      'PUT', `/definitions/${q(def.name)}${publish ? '?publish=true' : ''}`, def),
  remove: (name: string, force = false) => request('DELETE', `/definitions/${q(name)}${force ? '?force=true' : ''}`),
  rename: (name: string, to: string, updateCallers = false) =>
    request<{ name: string; version: number; callers?: { name: string; version: number; published: boolean }[] }>(
      'POST', `/definitions/${q(name)}/rename`, updateCallers ? { to, update_callers: true } : { to }),
  /** testInputs are the named test inputs kept on the server for a definition. */
  testInputs: (name: string) => request<{ items: { name: string; input: Record<string, unknown>; updated_at: string }[] }>('GET', `/definitions/${q(name)}/test-inputs`),
  saveTestInput: (name: string, input: string, value: unknown) => request('PUT', `/definitions/${q(name)}/test-inputs/${q(input)}`, value),
  deleteTestInput: (name: string, input: string) => request('DELETE', `/definitions/${q(name)}/test-inputs/${q(input)}`),
  /** testToken mints a JWT with the server's secret for trying a jwt endpoint (admin only). */
  testToken: (claims: unknown, expiresIn = '1h') => request<{ token: string; expires_at: string }>('POST', '/test-token', { claims, expires_in: expiresIn }),
  publish: (name: string, version?: number, withDependencies = false) =>
    request<{ name: string; published: number; dependencies?: Dependency[] }>('POST', `/definitions/${q(name)}/publish`,
      { ...(version ? { version } : {}), ...(withDependencies ? { with_dependencies: true } : {}) }),
  versions: (name: string) =>
    request<{ items: { version: number; hash?: string; created_at: string; published: boolean; published_at?: string; note?: string }[] }>(
      'GET', `/definitions/${q(name)}/versions`),
  diff: (name: string, from: number, to: number) =>
    request<{ from: number; to: number; changes: { path: string; op: string; old?: unknown; new?: unknown }[]; unified: string }>(
      'GET', `/definitions/${q(name)}/diff?from=${from}&to=${to}`),
  restore: (name: string, version: number) => request<{ name: string; version: number }>('POST', `/definitions/${q(name)}/restore`, { version }),
  validate: (def: Definition) => request<{ ok: boolean; diagnostics: Diagnostic[] }>('POST', '/validate', def),
  exportAll: (drafts = false) => request<{ definitions: Definition[] }>('GET', drafts ? '/export?drafts=true' : '/export'),
  importAll: (definitions: Definition[], publish = true, force = false) =>
    request<{ created: string[]; updated: string[]; unchanged: string[] }>('POST', '/import', { definitions, publish, force }),
  tables: () => request<{ items: TableInfo[] }>('GET', '/tables'),
  /** types is the value-type catalogue (GET /_/api/types). */
  types: () => request<ValueType[]>('GET', '/types'),
  records: (table: string, page: number, perPage: number, sort = '-id') =>
    request<{ items: Record<string, unknown>[]; total: number; page: number; per_page: number }>(
      'GET', `/tables/${q(table)}/records?page=${page}&per_page=${perPage}&sort=${q(sort)}`),
  addRecord: (table: string, rec: Record<string, unknown>) => request('POST', `/tables/${q(table)}/records`, rec),
  patchRecord: (table: string, id: unknown, rec: Record<string, unknown>) =>
    request('PATCH', `/tables/${q(table)}/records/${q(String(id))}`, rec),
  deleteRecord: (table: string, id: unknown) => request('DELETE', `/tables/${q(table)}/records/${q(String(id))}`),
  executions: (f: { status?: string; function?: string; limit?: number; before?: string }) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(f)) if (v !== undefined && v !== '') p.set(k, String(v));
    return request<{ items: Execution[]; next: string | null }>('GET', `/executions?${p}`);
  },
  execution: (id: string) => request<Execution>('GET', `/executions/${q(id)}`),
  cancel: (id: string) => request<Execution>('POST', `/executions/${q(id)}/cancel`),
  retry: (id: string) => request<{ id: string; status_url: string }>('POST', `/executions/${q(id)}/retry`),
  run: (body: { name: string; input: unknown; version?: string | number; definition?: Definition; auth?: unknown }) =>
    request<RunAnswer>('POST', '/run', body),
};
