// Run & Debug: run the definition as it is in the editor (saved or not),
// see the response, the total time, every step's time and result; the
// failing step is marked here and on its card.
import { memo, useContext, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { api, ApiError, token, type Definition, type RunAnswer, type TraceEntry } from './api';
import { diagStore, namesInScope, segsOf } from './doc';
import { Env, fmtMs, runMarks, type EditorEnv, type RunMark } from './StackEditor';
import { Icon } from './icons';
import { JsonView } from './JsonView';
import { lastRun, StepData } from './Inspector';
import { curlFor } from './curl';

function skeleton(def: Definition): string {
  const o: Record<string, unknown> = {};
  for (const f of def.input ?? []) {
    const ex: Record<string, unknown> = { int: 0, decimal: 0, bool: false, json: {}, object: {}, text: '' };
    o[f.name] = f.list ? [] : f.default ?? ex[f.type] ?? '';
  }
  return JSON.stringify(o, null, 2);
}

export interface TraceRow { path: string; type: string; definition?: string; count: number; ns: number; last: TraceEntry; failed: boolean }
export function groupTrace(trace: TraceEntry[] | undefined): TraceRow[] {
  const rows = new Map<string, TraceRow>();
  for (const e of trace ?? []) {
    const k = `${e.definition ?? ''}|${e.path}`;
    const r = rows.get(k);
    if (r) {
      r.count++;
      r.ns += e.duration_ns ?? 0;
      r.last = e;
      r.failed ||= !!e.error;
    } else rows.set(k, { path: e.path, type: e.type, definition: e.definition, count: 1, ns: e.duration_ns ?? 0, last: e, failed: !!e.error });
  }
  return [...rows.values()];
}

export function TraceList({ rows, selected, onSelect, root, caught }: { rows: TraceRow[]; selected: string | null; onSelect: (r: TraceRow) => void; root?: string; caught?: boolean }) {
  return (
    <ol className="trace" aria-label="Steps run">
      {rows.map((r) => {
        const k = `${r.definition ?? ''}|${r.path}`;
        const depth = segsOf(r.path).filter((s) => typeof s === 'number').length - 1;
        const foreign = root && r.definition && r.definition !== root;
        return (
          <li key={k}>
            <button type="button" className={`trace-row${r.failed ? (caught ? ' caught' : ' failed') : ''}${selected === k ? ' sel' : ''}`} style={{ paddingLeft: 8 + depth * 14 }}
              onClick={() => onSelect(r)} aria-pressed={selected === k} data-trace-path={r.path}>
              {r.failed ? <><span className="fail-dot" aria-hidden>●</span><span className="sr-only">{caught ? 'raised, caught:' : 'failed:'}</span></> : null}
              <span className="trace-type">{r.type}</span>
              <span className="trace-path">{foreign ? `${r.definition}: ` : ''}{r.path}</span>
              {r.count > 1 ? <span className="trace-count">×{r.count}</span> : null}
              <span className="spacer" />
              <span className="trace-ms">{fmtMs(r.ns / 1e6)}</span>
            </button>
          </li>
        );
      })}
    </ol>
  );
}

// FieldErrors lists an invalid_input error's failing fields ("n: must be at least 0").
export function FieldErrors({ error }: { error: any }) {
  const fields: { field: string; message: string }[] = Array.isArray(error?.fields) ? error.fields : [];
  if (!fields.length) return null;
  return <ul className="field-errors mono small" data-testid="field-errors">{fields.map((f, i) => <li key={i}>{f.field}: {f.message}</li>)}</ul>;
}


export const RunPanel = memo(function RunPanel({ def, getDef, getRaw, onClose, onStep, runKey, takeRun }: { def: Definition; getDef: () => Definition; getRaw?: () => unknown; onClose: () => void; onStep?: (path: string) => void; runKey?: number; takeRun?: () => boolean }) {
  const env = useContext(Env) as EditorEnv | null; // null outside an editor
  const stale = useSyncExternalStore(runMarks.subscribe, runMarks.isStale);
  const key = `funcstack.input.${def.name}`;
  const [input, setInput] = useState(() => sessionStorage.getItem(key) ?? skeleton(def));
  const [claims, setClaims] = useState(() => sessionStorage.getItem(`${key}.auth`) ?? '{"sub": 1}');
  useEffect(() => sessionStorage.setItem(`${key}.auth`, claims), [key, claims]);
  const [busy, setBusy] = useState(false);
  const [res, setRes] = useState<RunAnswer | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [sel, setSel] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const [testToken, setTestToken] = useState('');
  // auth is "jwt", "api_key", "none" or a list of them: claims and a test token are for jwt
  const auths: string[] = Array.isArray(def.auth) ? def.auth : def.auth ? [def.auth] : [];
  const jwtAuth = auths.includes('jwt');
  const rows = useMemo(() => groupTrace(res?.trace), [res]);
  useEffect(() => sessionStorage.setItem(key, input), [key, input]);
  useEffect(() => () => (runMarks.set([]), lastRun.set([], '')), []);
  // a step picked in the stack (the compact view's selection) shows its data here too
  const picked = useSyncExternalStore(lastRun.subscribe, () => lastRun.picked);
  useEffect(() => { if (picked) setSel(`${def.name}|${picked}`); }, [picked, def.name]);

  const mark = (r: RunAnswer | null, selected: string | null, ranOn: unknown = runMarks.ranOn) => {
    const g = groupTrace(r?.trace).filter((x) => !x.definition || x.definition === def.name);
    const failPath = r?.error?.path as string | undefined;
    // in a run that succeeded, a step that raised was caught (try/catch)
    const caught = r?.status === 'succeeded';
    runMarks.set(g.map((x): RunMark => ({ path: x.path, ms: x.ns / 1e6, failed: x.failed || (!!failPath && failPath === x.path), caught, selected: selected === `${x.definition ?? ''}|${x.path}` })), ranOn);
  };

  const run = async () => {
    let body: unknown;
    try {
      body = input.trim() ? JSON.parse(input) : {};
    } catch (e) {
      setRes(null);
      runMarks.set([]);
      setErr(`the input is not JSON: ${(e as Error).message}`);
      return;
    }
    let auth: unknown;
    if (jwtAuth) {
      try {
        auth = JSON.parse(claims || '{}');
      } catch (e) {
        setErr(`the auth claims are not JSON: ${(e as Error).message}`);
        return;
      }
    }
    setBusy(true);
    setErr(null);
    try {
      const ranOn = getRaw?.() ?? null;
      const r = await api.run({ name: def.name, input: body, definition: getDef(), ...(auth ? { auth } : {}) });
      setRes(r);
      setSel(null);
      mark(r, null, ranOn);
      lastRun.set(r.trace ?? [], def.name);
    } catch (e) {
      setRes(null);
      runMarks.set([]);
      if (e instanceof ApiError && e.diagnostics.length) diagStore.set(e.diagnostics.filter((d) => !d.definition || d.definition === def.name));
      setErr(e instanceof ApiError && e.diagnostics.length ? `${e.message}: ${e.diagnostics.map((d) => `${d.path}: ${d.message}`).join('; ')}` : (e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  // a run asked for elsewhere (Ctrl/Cmd-Enter, the command palette): each new runKey runs once
  useEffect(() => {
    if (takeRun?.()) run();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [runKey]);

  const curl = () => {
    let body: Record<string, unknown> = {};
    try { body = JSON.parse(input.trim() || '{}') ?? {}; } catch { /* not JSON: sent empty */ }
    const bearer = def.kind === 'endpoint' ? (jwtAuth ? testToken || '<jwt>' : undefined) : token.get();
    return curlFor(location.origin, def as any, body, bearer, def.kind === 'endpoint' && !jwtAuth && auths.includes('api_key'));
  };
  // a JWT endpoint: mint a token with the claims above, signed by the server, for Copy as curl
  const mint = async () => {
    try {
      const r = await api.testToken(JSON.parse(claims || '{}'));
      setTestToken(r.token);
      setErr(null);
    } catch (e) {
      setErr(e instanceof SyntaxError ? `the auth claims are not JSON: ${e.message}` : (e as Error).message);
    }
  };
  const copyCurl = async () => {
    const text = curl();
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      const ta = document.createElement('textarea');
      ta.value = text;
      document.body.appendChild(ta);
      ta.select();
      document.execCommand('copy');
      ta.remove();
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };
  const selRow = rows.find((r) => `${r.definition ?? ''}|${r.path}` === sel);

  return (
    <aside className="side-panel run-panel" aria-label="Run and debug">
      <div className="panel-head">
        <h2><Icon name="bug" /> Run &amp; Debug</h2>
        <button type="button" className="icon-btn" aria-label="Close run panel" onClick={onClose}><Icon name="x" /></button>
      </div>
      <TestInputs name={def.name} input={input} setInput={setInput} onError={setErr} />
      <label className="field-label" htmlFor="run-input">Input (JSON)</label>
      <textarea id="run-input" className="json-input" spellCheck={false} value={input} onChange={(e) => setInput(e.target.value)}
        onKeyDown={(e) => { if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') (e.preventDefault(), run()); }} rows={6} />
      {jwtAuth ? (
        <>
          <label className="field-label" htmlFor="run-auth">auth claims (JSON, as a verified token would give)</label>
          <textarea id="run-auth" className="json-input" spellCheck={false} value={claims} onChange={(e) => setClaims(e.target.value)} rows={2} />
          <div className="row gap">
            <button type="button" className="btn small" onClick={mint}><Icon name="key" /> Mint a test token</button>
            {testToken ? <span className="muted small" data-testid="test-token">a token with these claims, valid 1 hour, goes into Copy as curl</span> : null}
          </div>
        </>
      ) : null}
      <div className="row gap">
        <button type="button" className="btn primary" onClick={run} disabled={busy} aria-keyshortcuts="Control+Enter"><Icon name="play" /> {busy ? 'Running…' : 'Run'}</button>
        <button type="button" className="btn" onClick={copyCurl}><Icon name="terminal" /> {copied ? 'Copied' : 'Copy as curl'}</button>
        <span className="muted small">runs the editor's version, saved or not</span>
      </div>
      {err ? <div className="alert err" role="alert">{err}</div> : null}
      {res ? (
        <div className={`run-result${stale ? ' stale' : ''}`} aria-live="polite" data-run={res.execution_id}>
          {stale ? <div className="alert warn" data-testid="run-stale">Edited since this run: the results below are from before your changes. Run again to refresh them.</div> : null}
          <div className="row gap">
            <span className={`status s-${res.status}`}>{res.status}</span>
            {res.http ? <span className="badge">HTTP {res.http.status}</span> : null}
            <span className="total-time" data-testid="total-time">total {fmtMs(res.duration_ms)}</span>
            <a className="link small" href={`#/executions/${res.execution_id}`}>execution</a>
          </div>
          {res.error ? (
            <div className="alert err" role="alert" data-testid="run-error">
              <strong>{res.error.code}</strong> {res.error.message}{res.error.path ? <div className="mono small">at {res.error.path}</div> : null}
              <FieldErrors error={res.error} />
            </div>
          ) : null}
          <h3>Response</h3>
          <JsonView value={res.output} testId="run-output" />
          {res.logs?.length ? (
            <>
              <h3>Log</h3>
              <ul className="logs">{res.logs.map((l, i) => <li key={i}><JsonView value={l.value} inline /></li>)}</ul>
            </>
          ) : null}
          <h3>Steps <span className="muted small">{res.trace?.length ?? 0} run</span></h3>
          <TraceList rows={rows} selected={sel} root={def.name} caught={res.status === 'succeeded'} onSelect={(r) => {
            const k = `${r.definition ?? ''}|${r.path}`;
            const next = sel === k ? null : k;
            setSel(next);
            mark(res, next);
            if (next && (!r.definition || r.definition === def.name)) onStep?.(r.path);
            if (next && (!r.definition || r.definition === def.name)) document.querySelector(`[data-path="${r.path}"]`)?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
          }} />
          {selRow ? <StepData entry={selRow.last} count={selRow.count}
            inScope={env && (!selRow.last.definition || selRow.last.definition === def.name) ? namesInScope(env.cat, getDef(), selRow.last.path) : null} /> : null}
        </div>
      ) : null}
    </aside>
  );
});

/** TestInputs picks, saves and deletes the named test inputs kept on the server for a definition (shared by everyone). */
function TestInputs({ name, input, setInput, onError }: { name: string; input: string; setInput: (s: string) => void; onError: (e: string | null) => void }) {
  const [items, setItems] = useState<{ name: string; input: Record<string, unknown> }[]>([]);
  const [chosen, setChosen] = useState('');
  const [naming, setNaming] = useState<string | null>(null);
  const load = () => api.testInputs(name).then((r) => setItems(r.items)).catch(() => setItems([]));
  useEffect(() => void load(), [name]);
  const choose = (n: string) => {
    setChosen(n);
    const t = items.find((x) => x.name === n);
    if (t) setInput(JSON.stringify(t.input, null, 2));
  };
  const save = async (n: string) => {
    let value: unknown;
    try { value = JSON.parse(input.trim() || '{}'); } catch (e) { return onError(`the input is not JSON: ${(e as Error).message}`); }
    try {
      await api.saveTestInput(name, n, value);
      setNaming(null);
      setChosen(n);
      onError(null);
      load();
    } catch (e) { onError((e as Error).message); }
  };
  const remove = async () => {
    if (!chosen || !confirm(`Delete the test input "${chosen}" for everyone?`)) return;
    try { await api.deleteTestInput(name, chosen); setChosen(''); load(); } catch (e) { onError((e as Error).message); }
  };
  return (
    <div className="test-inputs row gap">
      <label className="field-label" htmlFor="test-input">Test input</label>
      <select id="test-input" value={chosen} onChange={(e) => choose(e.target.value)}>
        <option value="">{items.length ? 'choose a saved input…' : 'none saved yet'}</option>
        {items.map((t) => <option key={t.name} value={t.name}>{t.name}</option>)}
      </select>
      {naming !== null ? (
        <form className="row gap" onSubmit={(e) => (e.preventDefault(), naming.trim() && save(naming.trim()))}>
          <input aria-label="Test input name" autoFocus value={naming} maxLength={100} placeholder="e.g. big order" onChange={(e) => setNaming(e.target.value)}
            onKeyDown={(e) => e.key === 'Escape' && setNaming(null)} />
          <button type="submit" className="btn small primary" disabled={!naming.trim()}>Save input</button>
        </form>
      ) : <button type="button" className="btn small" onClick={() => setNaming(chosen || '')}>Save as…</button>}
      {chosen && naming === null ? <button type="button" className="btn small" onClick={remove} aria-label={`Delete test input ${chosen}`}><Icon name="trash" size={14} /></button> : null}
    </div>
  );
}
