// Executions: the list (filters, refreshing itself) and one execution's
// record with its trace, the failing step marked; retry and cancel.
import { useEffect, useMemo, useRef, useState } from 'react';
import { api, type DefSummary, type Execution } from './api';
import { groupTrace, TraceList } from './RunPanel';
import { JsonView } from './JsonView';
import { fmtMs } from './StackEditor';
import { ago } from './Versions';
import { Icon } from './icons';

const STATUSES = ['', 'queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out'];

export function ExecutionsPage({ defs, go }: { defs: DefSummary[]; go: (h: string) => void }) {
  const [status, setStatus] = useState(() => new URLSearchParams(location.hash.split('?')[1]).get('status') ?? '');
  const [fn, setFn] = useState(() => new URLSearchParams(location.hash.split('?')[1]).get('function') ?? '');
  const [items, setItems] = useState<Execution[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [more, setMore] = useState<Execution[]>([]);
  const [err, setErr] = useState<string | null>(null);
  const [auto, setAuto] = useState(true);
  const [updated, setUpdated] = useState<Date | null>(null);
  const filters = useRef({ status, fn });
  filters.current = { status, fn };
  const load = async () => {
    try {
      const r = await api.executions({ status, function: fn, limit: 50 });
      if (filters.current.status !== status || filters.current.fn !== fn) return;
      setItems(r.items);
      if (!more.length) setNext(r.next);
      setErr(null);
      setUpdated(new Date());
    } catch (e) {
      setErr((e as Error).message);
    }
  };
  useEffect(() => {
    setItems(null);
    setMore([]);
    void load();
  }, [status, fn]);
  useEffect(() => {
    if (!auto) return;
    const h = setInterval(() => document.visibilityState === 'visible' && load(), 2000);
    return () => clearInterval(h);
  }, [auto, status, fn, more.length]);
  const loadMore = async () => {
    if (!next) return;
    const r = await api.executions({ status, function: fn, limit: 50, before: next });
    setMore((m) => [...m, ...r.items]);
    setNext(r.next);
  };
  const rows = useMemo(() => [...(items ?? []), ...more.filter((m) => !(items ?? []).some((i) => i.id === m.id))], [items, more]);
  const fns = defs.filter((d) => d.kind !== 'table');
  return (
    <div className="page">
      <header className="page-head">
        <h1><Icon name="list" /> Executions</h1>
        <div className="row gap">
          <label className="inline-label">status
            <select aria-label="Status filter" value={status} onChange={(e) => setStatus(e.target.value)}>
              {STATUSES.map((s) => <option key={s} value={s}>{s || 'any'}</option>)}
            </select>
          </label>
          <label className="inline-label">function
            <select aria-label="Function filter" value={fn} onChange={(e) => setFn(e.target.value)}>
              <option value="">any</option>
              {fns.map((d) => <option key={d.name} value={d.name}>{d.name}</option>)}
            </select>
          </label>
          <label className="check"><input type="checkbox" checked={auto} onChange={(e) => setAuto(e.target.checked)} /> live</label>
          <button type="button" className="icon-btn" aria-label="Refresh" onClick={load}><Icon name="refresh" /></button>
          {updated ? <span className="muted small">updated {updated.toLocaleTimeString()}</span> : null}
        </div>
      </header>
      {err ? <div className="alert err" role="alert">{err}</div> : null}
      {!items ? <div className="muted">loading…</div> : rows.length === 0 ? <div className="empty-state">No executions{status || fn ? ' match these filters' : ' yet'}.</div> : (
        <table className="grid executions" aria-label="Executions">
          <thead><tr><th>status</th><th>function</th><th>mode</th><th>started</th><th>duration</th><th>attempts</th><th>id</th></tr></thead>
          <tbody>
            {rows.map((x) => (
              <tr key={x.id} className="clickable" tabIndex={0} onClick={() => go(`#/executions/${x.id}`)} onKeyDown={(e) => e.key === 'Enter' && go(`#/executions/${x.id}`)}
                data-execution={x.id}>
                <td><span className={`status s-${x.status}`}>{x.status}</span></td>
                <td className="mono">{x.function}</td>
                <td className="muted">{x.mode}</td>
                <td className="muted" title={x.created_at}>{ago(x.started_at ?? x.created_at)}</td>
                <td>{x.duration_ms !== undefined && x.duration_ms !== null ? fmtMs(x.duration_ms) : ''}</td>
                <td>{x.attempts ?? ''}</td>
                <td className="mono muted small">{x.id.slice(0, 8)}…</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next ? <button type="button" className="btn" onClick={loadMore}>Load older</button> : null}
    </div>
  );
}

export function ExecutionPage({ id, go, toast }: { id: string; go: (h: string) => void; toast: (m: string, bad?: boolean) => void }) {
  const [x, setX] = useState<Execution | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [sel, setSel] = useState<string | null>(null);
  const load = () => api.execution(id).then((r) => (setX(r), setErr(null))).catch((e) => setErr(e.message));
  useEffect(() => {
    setX(null);
    void load();
  }, [id]);
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
  const act = async (what: 'retry' | 'cancel') => {
    try {
      if (what === 'retry') {
        const r = await api.retry(id);
        toast('Retry started');
        go(`#/executions/${r.id}`);
      } else {
        setX(await api.cancel(id));
        toast('Cancelled');
      }
    } catch (e) {
      toast((e as Error).message, true);
    }
  };
  return (
    <div className="page execution" data-testid="execution">
      <header className="page-head">
        <div>
          <a className="link small" href="#/executions">← Executions</a>
          <h1><span className={`status s-${x.status}`}>{x.status}</span> <a className="mono" href={`#/def/${x.function}`}>{x.function}</a></h1>
          <div className="muted small mono">{x.id}{x.parent_id ? <> · parent <a href={`#/executions/${x.parent_id}`}>{x.parent_id.slice(0, 8)}…</a></> : null}</div>
        </div>
        <div className="row gap">
          {['queued', 'running'].includes(x.status) ? <button type="button" className="btn" onClick={() => act('cancel')}>Cancel</button> : null}
          {['failed', 'cancelled', 'timed_out', 'succeeded'].includes(x.status) ? <button type="button" className="btn" onClick={() => act('retry')}><Icon name="refresh" /> Retry</button> : null}
        </div>
      </header>
      <dl className="facts">
        <div><dt>mode</dt><dd>{x.mode ?? '—'}</dd></div>
        <div><dt>attempts</dt><dd>{x.attempts ?? '—'}</dd></div>
        <div><dt>created</dt><dd title={x.created_at}>{x.created_at ? new Date(x.created_at).toLocaleString() : '—'}</dd></div>
        <div><dt>duration</dt><dd>{x.duration_ms !== undefined && x.duration_ms !== null ? fmtMs(x.duration_ms) : '—'}</dd></div>
      </dl>
      {x.error ? (
        <div className="alert err" role="alert" data-testid="execution-error">
          <strong>{x.error.code}</strong> {x.error.message}{x.error.path ? <div className="mono small">at {x.error.definition ? `${x.error.definition}: ` : ''}{x.error.path}</div> : null}
        </div>
      ) : null}
      <div className="two-col">
        <section className="panel"><h2 className="section-title">Input</h2><JsonView value={x.input} /></section>
        <section className="panel"><h2 className="section-title">Output</h2>{x.output === undefined || x.output === null ? <span className="muted">none</span> : <JsonView value={x.output} testId="execution-output" />}</section>
      </div>
      <section className="panel">
        <h2 className="section-title">Trace</h2>
        {rows.length === 0 ? <div className="muted small">No trace was kept for this run (debug runs and a sampled share of others keep one).</div> : (
          <div className="two-col">
            <TraceList rows={rows} selected={sel} root={x.function} caught={x.status === 'succeeded'} onSelect={(r) => setSel(`${r.definition ?? ''}|${r.path}` === sel ? null : `${r.definition ?? ''}|${r.path}`)} />
            <div>{selRow ? (
              <div className="step-result">
                <h3>{selRow.type} <span className="mono small">{selRow.path}</span></h3>
                {selRow.last.error ? <div className="alert err">{typeof selRow.last.error === 'string' ? selRow.last.error : selRow.last.error.message ?? JSON.stringify(selRow.last.error)}</div> : null}
                <JsonView value={selRow.last.result} />
              </div>
            ) : <div className="muted small">Choose a step to see its result.</div>}</div>
          </div>
        )}
      </section>
      {x.logs?.length ? <section className="panel"><h2 className="section-title">Log</h2><ul className="logs">{x.logs.map((l, i) => <li key={i}><span className="muted small">{l.time}</span> <JsonView value={l.value} inline /></li>)}</ul></section> : null}
    </div>
  );
}
