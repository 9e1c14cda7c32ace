// The data inspector: for one step of a run, the variables in scope before
// it ran and its result, as JSON trees that fold (from the trace's vars,
// engine.TraceEntry.Vars: debug runs at every step, a failed run's record
// at its failing step).
import { useState } from 'react';
import type { TraceEntry } from './api';

/** lastRun keeps the last debug run's trace: the step panel shows a step's data and its fields' previews from it. */
class LastRun {
  private by = new Map<string, TraceEntry>();
  private subs = new Set<() => void>();
  picked: string | null = null;
  set(trace: TraceEntry[], name: string) {
    this.by = new Map();
    for (const e of trace) if (!e.definition || e.definition === name) this.by.set(e.path, e);
    this.picked = null;
    this.subs.forEach((f) => f());
  }
  pick(path: string | null) {
    if (path === this.picked) return;
    this.picked = path;
    this.subs.forEach((f) => f());
  }
  at = (path: string) => this.by.get(path);
  subscribe = (f: () => void) => (this.subs.add(f), () => void this.subs.delete(f));
}
export const lastRun = new LastRun();


const kindOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const brief = (v: unknown) => {
  if (Array.isArray(v)) return `[${v.length} item${v.length === 1 ? '' : 's'}]`;
  const n = Object.keys(v as object).length;
  return `{${n} key${n === 1 ? '' : 's'}}`;
};

function Leaf({ v }: { v: unknown }) {
  const k = kindOf(v);
  const cls = k === 'string' ? 'j-str' : k === 'number' ? 'j-num' : k === 'boolean' ? 'j-bool' : 'j-null';
  return <span className={cls}>{k === 'string' ? JSON.stringify(v) : String(v)}</span>;
}

/** JsonTree shows a value; objects and arrays fold (their children render only when open). */
export function JsonTree({ value, name, open: initial, path }: { value: unknown; name?: string; open?: boolean; path?: string }) {
  const k = kindOf(value);
  const nested = k === 'object' || k === 'array';
  const [open, setOpen] = useState(!!initial);
  const here = path ?? name ?? '';
  if (!nested) {
    return <li className="jt-row" data-json-path={here}>{name !== undefined ? <span className="jt-key">{name}: </span> : null}<Leaf v={value} /></li>;
  }
  const entries: [string, unknown][] = k === 'array' ? (value as unknown[]).map((x, i) => [String(i), x]) : Object.entries(value as object);
  return (
    <li className="jt-row" data-json-path={here}>
      <button type="button" className="jt-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        <span className="jt-caret" aria-hidden>{open ? '▾' : '▸'}</span>
        {name !== undefined ? <span className="jt-key">{name}</span> : null} <span className="muted">{brief(value)}</span>
      </button>
      {open ? (
        <ul className="jt">
          {entries.slice(0, 500).map(([key, x]) => <JsonTree key={key} name={key} value={x} path={here ? (k === 'array' ? `${here}[${key}]` : `${here}.${key}`) : key} />)}
          {entries.length > 500 ? <li className="muted small">… {entries.length - 500} more</li> : null}
        </ul>
      ) : null}
    </li>
  );
}

/** StepData is what the inspector shows for one step: its error, the variables before it, its result. */
export function StepData({ entry, count, failedRecord, inScope }: { entry: TraceEntry; count?: number; failedRecord?: boolean; inScope?: Set<string> | null }) {
  const vars = entry.vars ?? null;
  // the run keeps every variable that had a value (a loop's variable keeps its slot after the loop): only the names in scope at the step are shown
  const names = vars ? Object.keys(vars).filter((n) => !inScope || inScope.has(n)) : [];
  return (
    <div className="step-result" data-testid="step-result">
      <h3>{entry.type} <span className="mono small">{entry.path}</span>{count && count > 1 ? <span className="muted small"> (last of {count})</span> : null}</h3>
      {entry.error ? <div className="alert err">{typeof entry.error === 'string' ? entry.error : entry.error.message ?? JSON.stringify(entry.error)}</div> : null}
      <h4 className="inspector-title">{failedRecord ? 'Variables when it failed' : 'Variables before this step'}</h4>
      {vars ? (
        names.length ? <ul className="jt root" data-testid="step-vars" aria-label="Variables">
          {names.map((n) => <JsonTree key={n} name={n} value={vars[n]} open={names.length <= 3 && n !== 'input'} />)}
        </ul> : <div className="muted small">none</div>
      ) : <div className="muted small">{entry.vars_omitted ? 'not kept: the run kept as many variables as it may (512 KB)' : 'not kept for this step'}</div>}
      {!failedRecord ? <>
        <h4 className="inspector-title">Result</h4>
        {entry.result === undefined ? <div className="muted small">none</div> : <ul className="jt root" aria-label="Result"><JsonTree value={entry.result} name="result" open /></ul>}
      </> : null}
    </div>
  );
}

const PATH = /^[A-Za-z_][A-Za-z0-9_]*(\??\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*$/;

/** previewOf is the value of an expression that names a variable or a path into one (total, product.price, lines[0].sku), from vars; undefined otherwise. */
export function previewOf(src: string, vars: Record<string, unknown> | undefined): { value: unknown } | undefined {
  const s = src.trim();
  if (!vars || !PATH.test(s)) return undefined;
  let v: any = vars;
  for (const m of s.matchAll(/[A-Za-z_][A-Za-z0-9_]*|\[(\d+)\]/g)) {
    const k = m[1] !== undefined ? Number(m[1]) : m[0];
    if (v === null || typeof v !== 'object' || !(k in v)) return undefined;
    v = v[k as any];
  }
  return { value: v };
}

/** ExprPreview shows, under an expression field, its value in the last run (before the step ran). */
export function ExprPreview({ src, vars, stale }: { src: string; vars: Record<string, unknown> | undefined; stale?: boolean }) {
  const p = previewOf(src, vars);
  if (!p) return null;
  const text = JSON.stringify(p.value) ?? 'undefined';
  return <div className={`expr-preview${stale ? ' stale' : ''}`} data-testid="expr-preview" title="its value in the last run, before this step">
    = <span className="mono">{text.length > 120 ? text.slice(0, 119) + '…' : text}</span>{stale ? <span className="muted"> (before your edits)</span> : null}</div>;
}
