// Executions, the request history: the list (found by execution ID, time,
// status and function; endpoint runs with their method, path and HTTP
// status; the admin API's own runs hidden unless asked; refreshing
// itself) and one execution: its request, trace and a retry that says
// which version it runs.
import { useEffect, useMemo, useRef, useState } from 'react';
import { api, type DefSummary } from './api';
import { dataApi, type RequestInfo, type Run, type RunFilter } from './apiData';
import { FieldErrors, groupTrace, TraceList } from './RunPanel';
import { JsonView } from './JsonView';
import { StepData } from './Inspector';
import { fmtMs } from './StackEditor';
import { ago } from './Versions';
import { EDITOR_KINDS, localInput, localTime } from './values';
import { Icon } from './icons';
import './data.css';

const STATUSES = ['', 'queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out'];
const FILTER_KEYS = ['id', 'status', 'function', 'from', 'to', 'internal'] as const;
type Filters = Record<(typeof FILTER_KEYS)[number], string>;

/** isoOf is a datetime-local value (local time) as an ISO time, "" when incomplete. */
function isoOf(local: string): string {
  const p = local ? EDITOR_KINDS.datetime.parse(local) : null;
  return p?.ok ? String(p.value) : '';
}

function hashParams(): URLSearchParams {
  return new URLSearchParams(location.hash.split('?')[1] ?? '');
}

/** RequestLine shows an endpoint run's request: GET /api/x → 200. */
export function RequestLine({ r }: { r: RequestInfo }) {
  return (
    <span className="req-line">
      <span className={`method m-${r.method}`}>{r.method}</span>
      <span>{r.path}</span>
      <span aria-hidden="true">→</span>
      <span className={`http-status http-${String(r.status)[0]}`} title={`answered HTTP ${r.status}`}><span className="sr-only">HTTP </span>{r.status}</span>
    </span>
  );
}

function Version({ x }: { x: Run }) {
  if (!x.version) return x.draft ? <span className="draft-tag">unsaved draft</span> : <span className="muted">—</span>;
  return <span className="ver">v{x.version}{x.draft ? <span className="draft-tag">draft</span> : null}</span>;
}

export function ExecutionsPage({ defs, go }: { defs: DefSummary[]; go: (h: string) => void }) {
  const [f, setF] = useState<Filters>(() => {
    const p = hashParams();
    return Object.fromEntries(FILTER_KEYS.map((k) => [k, p.get(k) ?? ''])) as Filters;
  });
  const [items, setItems] = useState<Run[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [more, setMore] = useState<Run[]>([]);
  const [err, setErr] = useState<string | null>(null);
  const [auto, setAuto] = useState(true);
  const [updated, setUpdated] = useState<Date | null>(null);
  const idBad = f.id !== '' && !/^[0-9a-f-]{1,36}$/i.test(f.id.trim());
  const query: RunFilter = {
    id: idBad ? undefined : f.id.trim().toLowerCase(), status: f.status, function: f.function, internal: f.internal === 'true',
    from: f.from || undefined, to: f.to || undefined, limit: 50,
  };
  const key = JSON.stringify(query);
  const current = useRef(key);
  current.current = key;
  const load = async () => {
    try {
      const r = await dataApi.runs(query);
      if (current.current !== key) return;
      setItems(r.items);
      if (!more.length) setNext(r.next);
      setErr(null);
      setUpdated(new Date());
    } catch (e) {
      if (current.current === key) setErr((e as Error).message);
    }
  };
  useEffect(() => {
    setItems(null);
    setMore([]);
    // keep the filters in the address, so a link shows the same list
    const p = new URLSearchParams();
    for (const k of FILTER_KEYS) if (f[k]) p.set(k, f[k]);
    history.replaceState(null, '', `#/executions${p.size ? `?${p}` : ''}`);
    const h = setTimeout(load, f.id ? 200 : 0);
    return () => clearTimeout(h);
  }, [key]);
  useEffect(() => {
    if (!auto) return;
    const h = setInterval(() => document.visibilityState === 'visible' && load(), 2000);
    return () => clearInterval(h);
  }, [auto, key, more.length]);
  const loadMore = async () => {
    if (!next) return;
    const r = await dataApi.runs({ ...query, before: next });
    setMore((m) => [...m, ...r.items]);
    setNext(r.next);
  };
  const rows = useMemo(() => [...(items ?? []), ...more.filter((m) => !(items ?? []).some((i) => i.id === m.id))], [items, more]);
  const fns = defs.filter((d) => d.kind !== 'table');
  const set = (k: keyof Filters, v: string) => setF({ ...f, [k]: v });
  const filtered = FILTER_KEYS.some((k) => f[k]);
  return (
    <div className="page">
      <header className="page-head">
        <h1><Icon name="list" /> Executions</h1>
        <div className="row gap">
          <label className="check"><input type="checkbox" checked={auto} onChange={(e) => setAuto(e.target.checked)} /> live</label>
          <button type="button" className="icon-btn" aria-label="Refresh" onClick={load}><Icon name="refresh" /></button>
          {updated ? <span className="muted small">updated {updated.toLocaleTimeString()}</span> : null}
        </div>
      </header>
      <form className="run-filters" role="search" aria-label="Find executions" onSubmit={(e) => {
        e.preventDefault();
        if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(f.id.trim())) go(`#/executions/${f.id.trim().toLowerCase()}`);
      }}>
        <label className="field-stack">Execution ID
          <input type="search" aria-label="Execution ID" placeholder="an ID or its start, as in X-Execution-Id" value={f.id}
            aria-invalid={idBad || undefined} onChange={(e) => set('id', e.target.value)} />
          {idBad ? <span className="value-error" role="alert">IDs hold hex digits and dashes only</span> : null}
        </label>
        <label className="field-stack">Status
          <select aria-label="Status filter" value={f.status} onChange={(e) => set('status', e.target.value)}>
            {STATUSES.map((s) => <option key={s} value={s}>{s || 'any'}</option>)}
          </select>
        </label>
        <label className="field-stack">Function or endpoint
          <select aria-label="Function filter" value={f.function} onChange={(e) => set('function', e.target.value)}>
            <option value="">any</option>
            {fns.map((d) => <option key={d.name} value={d.name}>{d.kind === 'endpoint' ? `${d.name} (${d.method} ${d.path})` : d.name}</option>)}
          </select>
        </label>
        <label className="field-stack">From
          <input type="datetime-local" step={1} aria-label="From" value={localInput(f.from)} onChange={(e) => set('from', isoOf(e.target.value))} />
        </label>
        <label className="field-stack">To
          <input type="datetime-local" step={1} aria-label="To" value={localInput(f.to)} onChange={(e) => set('to', isoOf(e.target.value))} />
        </label>
        <label className="check"><input type="checkbox" checked={f.internal === 'true'} onChange={(e) => set('internal', e.target.checked ? 'true' : '')} /> show the record editor's own runs</label>
        {filtered ? <button type="button" className="link small" onClick={() => setF(Object.fromEntries(FILTER_KEYS.map((k) => [k, ''])) as Filters)}>Clear filters</button> : null}
      </form>
      {err ? <div className="alert err" role="alert">{err}</div> : null}
      {!items ? <div className="muted">loading…</div> : rows.length === 0 ? <div className="empty-state">No executions{filtered ? ' match these filters' : ' yet'}.</div> : (
        <table className="grid executions" aria-label="Executions">
          <thead><tr><th>status</th><th>request or run</th><th>function</th><th>version</th><th>started</th><th>duration</th><th>id</th></tr></thead>
          <tbody>
            {rows.map((x) => {
              const when = localTime(x.started_at ?? x.created_at);
              return (
                <tr key={x.id} className="clickable" tabIndex={0} onClick={() => go(`#/executions/${x.id}`)} onKeyDown={(e) => e.key === 'Enter' && go(`#/executions/${x.id}`)}
                  data-execution={x.id} aria-label={`${x.status} ${x.request ? `${x.request.method} ${x.request.path} ${x.request.status}` : x.function}, execution ${x.id}`}>
                  <td><span className={`status s-${x.status}`}>{x.status}</span></td>
                  <td>{x.request ? <RequestLine r={x.request} /> : <span className="muted">{x.draft ? 'Run & Debug' : x.mode}</span>}</td>
                  <td className="mono">{x.function}</td>
                  <td><Version x={x} /></td>
                  <td className="when" title={`${when.text} (${x.started_at ?? x.created_at})`}>{ago(x.started_at ?? x.created_at)}</td>
                  <td>{x.duration_ms !== undefined && x.duration_ms !== null ? fmtMs(x.duration_ms) : ''}</td>
                  <td className="mono small" title={x.id}>{x.id.slice(0, 13)}…</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {next ? <button type="button" className="btn" onClick={loadMore}>Load older</button> : null}
    </div>
  );
}

type Choice = { key: 'run' | 'published'; version: number; label: string };

/** retryChoices are the versions a retry of x can run: the one it ran, and the published one when that differs. */
function retryChoices(x: Run, published: number | null): Choice[] {
  const out: Choice[] = [];
  if (x.version) out.push({ key: 'run', version: x.version, label: `v${x.version}, the version this run used${x.version === published ? ' (published)' : x.draft ? ' (a draft)' : ''}` });
  if (published && published !== x.version) out.push({ key: 'published', version: published, label: `v${published}, the published version` });
  return out;
}

export function ExecutionPage({ id, go, toast }: { id: string; go: (h: string) => void; toast: (m: string, bad?: boolean) => void }) {
  const [x, setX] = useState<Run | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [sel, setSel] = useState<string | null>(null);
  const [published, setPublished] = useState<number | null>(null);
  const [choice, setChoice] = useState<'run' | 'published' | null>(null);
  const [busy, setBusy] = useState(false);
  const load = () => dataApi.run(id).then((r) => (setX(r), setErr(null))).catch((e) => setErr(e.message));
  useEffect(() => {
    setX(null);
    void load();
  }, [id]);
  useEffect(() => {
    if (!x?.function) return;
    api.definition(x.function).then((d) => setPublished(d.published || null)).catch(() => setPublished(null));
  }, [x?.function]);
  useEffect(() => {
    if (!x || !['queued', 'running'].includes(x.status)) return;
    const h = setInterval(load, 1000);
    return () => clearInterval(h);
  }, [x?.status, id]);
  const rows = useMemo(() => {
    const g = groupTrace(x?.trace);
    const fp = x?.error?.path;
    return g.map((r) => ({ ...r, failed: r.failed || (!!fp && r.path === fp && (!r.definition || r.definition === x?.function)) }));
  }, [x]);
  if (err) return <div className="page"><div className="alert err" role="alert">{err}</div></div>;
  if (!x) return <div className="page muted">loading…</div>;
  const selRow = rows.find((r) => `${r.definition ?? ''}|${r.path}` === sel);
  const choices = retryChoices(x, published);
  const picked = choices.find((c) => c.key === choice) ?? choices[0];
  const retry = async () => {
    if (!picked) return;
    setBusy(true);
    try {
      const r = await dataApi.retry(id, picked.key);
      toast(`Retried with v${r.version}${r.status ? `: ${r.status}` : ''}`);
      go(`#/executions/${r.id}`);
    } catch (e) {
      toast((e as Error).message, true);
    } finally {
      setBusy(false);
    }
  };
  const cancel = async () => {
    try {
      setX((await api.cancel(id)) as Run);
      toast('Cancelled');
    } catch (e) {
      toast((e as Error).message, true);
    }
  };
  const created = localTime(x.created_at);
  return (
    <div className="page execution" data-testid="execution">
      <header className="page-head">
        <div>
          <a className="link small" href="#/executions">← Executions</a>
          <h1><span className={`status s-${x.status}`}>{x.status}</span> {x.request ? <RequestLine r={x.request} /> : null} <a className="mono" href={`#/def/${x.function}`}>{x.function}</a></h1>
          <div className="muted small mono">{x.id}{x.parent_id ? <> · parent <a href={`#/executions/${x.parent_id}`}>{x.parent_id.slice(0, 8)}…</a></> : null}</div>
        </div>
        {['queued', 'running'].includes(x.status) ? <button type="button" className="btn" onClick={cancel}>Cancel</button> : null}
      </header>
      {Final(x.status) ? (
        <div className="retry-box" role="group" aria-label="Retry">
          {choices.length > 1 ? (
            <label className="inline-label">Retry runs
              <select aria-label="Version to retry" value={picked?.key} onChange={(e) => setChoice(e.target.value as Choice['key'])}>
                {choices.map((c) => <option key={c.key} value={c.key}>{c.label}</option>)}
              </select>
            </label>
          ) : null}
          {picked ? <button type="button" className="btn" onClick={retry} disabled={busy} aria-describedby="retry-hint"><Icon name="refresh" /> Retry with v{picked.version}</button> : null}
          <span className="muted small" id="retry-hint">{picked
            ? `Runs ${picked.label}, again with this input${picked.key === 'run' && (x.draft || x.version !== published) ? ', now, with a trace' : ''}.`
            : 'No version to retry: this run used an unsaved definition, and none is published.'}</span>
        </div>
      ) : null}
      <dl className="facts">
        <div><dt>version</dt><dd><Version x={x} /></dd></div>
        <div><dt>mode</dt><dd>{x.mode ?? '—'}</dd></div>
        {x.request ? <div><dt>HTTP status</dt><dd>{x.request.status}</dd></div> : null}
        <div><dt>attempts</dt><dd>{x.attempts ?? '—'}</dd></div>
        <div><dt>created</dt><dd title={created.title}>{created.text || '—'}</dd></div>
        <div><dt>duration</dt><dd>{x.duration_ms !== undefined && x.duration_ms !== null ? fmtMs(x.duration_ms) : '—'}</dd></div>
      </dl>
      {x.error ? (
        <div className="alert err" role="alert" data-testid="execution-error">
          <strong>{x.error.code}</strong> {x.error.message}{x.error.path ? <div className="mono small">at {x.error.definition ? `${x.error.definition}: ` : ''}{x.error.path}</div> : null}
          <FieldErrors error={x.error} />
        </div>
      ) : null}
      {x.request ? (
        <section className="panel" aria-label="Request">
          <h2 className="section-title">Request</h2>
          <p><RequestLine r={x.request} /></p>
          {x.request.headers && Object.keys(x.request.headers).length ? (
            <table className="headers-table" aria-label="Request headers">
              <tbody>{Object.entries(x.request.headers).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => <tr key={k}><th scope="row">{k}</th><td>{v}</td></tr>)}</tbody>
            </table>
          ) : <p className="muted small">No headers were kept.</p>}
          <p className="muted small">Credentials (Authorization, Cookie, API keys, tokens) are never kept: they read [redacted].</p>
        </section>
      ) : null}
      <div className="two-col">
        <section className="panel"><h2 className="section-title">Input</h2><JsonView value={x.input} /></section>
        <section className="panel"><h2 className="section-title">Output</h2>{x.output === undefined || x.output === null ? <span className="muted">none</span> : <JsonView value={x.output} testId="execution-output" />}</section>
      </div>
      <section className="panel">
        <h2 className="section-title">Trace</h2>
        {rows.length === 0 ? <div className="muted small">No trace was kept for this run (debug runs keep one; a failed run keeps its failing step and the variables it saw).</div> : (
          <div className="two-col">
            <TraceList rows={rows} selected={sel} root={x.function} caught={x.status === 'succeeded'} onSelect={(r) => setSel(`${r.definition ?? ''}|${r.path}` === sel ? null : `${r.definition ?? ''}|${r.path}`)} />
            <div>{selRow ? <StepData entry={selRow.last} count={selRow.count} failedRecord={x.trace?.length === 1 && !!selRow.last.error && !selRow.last.duration_ns} />
              : <div className="muted small">Choose a step to see its variables and result.</div>}</div>
          </div>
        )}
      </section>
      {x.logs?.length ? <section className="panel"><h2 className="section-title">Log</h2><ul className="logs">{x.logs.map((l, i) => <li key={i}><span className="muted small">{l.time}</span> <JsonView value={l.value} inline /></li>)}</ul></section> : null}
    </div>
  );
}

const Final = (s: string) => ['failed', 'cancelled', 'timed_out', 'succeeded'].includes(s);
