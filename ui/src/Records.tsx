// The record browser of a table: search, filters and sort over the whole
// table (the server runs them), typed cell editors that refuse bad values
// with the reason, an add-record form, CSV export and import, timestamps
// in local time (ISO on hover).
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, type TableInfo } from './api';
import { dataApi } from './apiData';
import { download, parseCsv, toCsv } from './csv';
import { Icon } from './icons';
import { IconButton } from './StackEditor';
import { editorFor, parseValue } from './values';
import { ValueInput } from './ValueEditor';
import { filterOps, useValueTypes, type ValueTypes } from './valueTypes';
import './data.css';

type Col = TableInfo['columns'][number];
type Row = Record<string, unknown>;
const SYSTEM = ['id', 'created_at', 'updated_at'];

interface Filter { col: string; op: string; text: string }

/** filterParam is a filter as the server takes it, or its error, or null while it is incomplete. */
function filterParam(f: Filter, cols: Col[], types: ValueTypes): { param?: string; error?: string } | null {
  const col = cols.find((c) => c.name === f.col);
  const ops = filterOps(types.get(col?.type));
  const op = ops.find((o) => o.op === f.op) ?? ops[0]; // the operator the filter shows
  if (!col || !op) return null;
  if (!op.value) return { param: `${f.col}:${op.op}` };
  if (f.text === '') return null;
  const p = parseValue(col.type, f.text, true);
  if (!p.ok) return { error: p.error };
  const v = typeof p.value === 'string' ? p.value : String(p.value);
  // a searchable type's value goes as typed (its editor may trim it), the others as read
  return { param: `${f.col}:${op.op}:${types.get(col.type)?.searchable ? f.text : v}` };
}

function useDebounced<T>(v: T, ms: number): T {
  const [d, setD] = useState(v);
  useEffect(() => {
    const h = setTimeout(() => setD(v), ms);
    return () => clearTimeout(h);
  }, [v, ms]);
  return d;
}

export function Records({ info, toast, onChange }: { info: TableInfo; toast: (m: string, bad?: boolean) => void; onChange: () => void }) {
  // the catalogue says which filters apply and how each column's values are edited
  const types = useValueTypes();
  return types ? <Browser info={info} types={types} toast={toast} onChange={onChange} /> : <div className="muted">loading…</div>;
}

function Browser({ info, types, toast, onChange }: { info: TableInfo; types: ValueTypes; toast: (m: string, bad?: boolean) => void; onChange: () => void }) {
  const [page, setPage] = useState(1);
  const [per, setPer] = useState(25);
  const [sort, setSort] = useState('-id');
  const [search, setSearch] = useState('');
  // a link to a record (#/def/table?id=…, from a ref) opens the browser filtered to it
  const [filters, setFilters] = useState<Filter[]>(() => {
    const id = new URLSearchParams(location.hash.split('?')[1] ?? '').get('id');
    return id ? [{ col: 'id', op: 'eq', text: id }] : [];
  });
  const [data, setData] = useState<{ items: Row[]; total: number } | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const [importing, setImporting] = useState<Importing | null>(null);
  const cols = info.columns;
  const editable = cols.filter((c) => !SYSTEM.includes(c.name));
  const searchable = cols.some((c) => types.get(c.type)?.searchable);

  const q = useDebounced(search, 250);
  const checked = filters.map((f) => filterParam(f, cols, types));
  const params = checked.flatMap((c) => (c?.param ? [c.param] : []));
  const paramKey = useDebounced(params.join('\n'), 250);
  const query = useMemo(() => ({ page, perPage: per, sort, search: q, filters: paramKey ? paramKey.split('\n') : [] }), [page, per, sort, q, paramKey]);
  const seq = useRef(0);
  const load = useCallback(() => {
    const n = ++seq.current;
    return dataApi.records(info.name, query).then((r) => {
      if (n !== seq.current) return;
      setData(r);
      setErr(null);
    }).catch((e) => n === seq.current && setErr((e as Error).message));
  }, [info.name, query]);
  useEffect(() => void load(), [load]);
  useEffect(() => setPage(1), [q, paramKey, per]);
  const pages = data ? Math.max(1, Math.ceil(data.total / per)) : 1;
  const narrowed = !!q || query.filters.length > 0;

  const exportCsv = async () => {
    try {
      const all: Row[] = [];
      for (let p = 1; ; p++) {
        const r = await dataApi.records(info.name, { ...query, page: p, perPage: 1000 });
        all.push(...r.items);
        if (all.length >= r.total || r.items.length === 0) break;
      }
      const rows = [cols.map((c) => c.name), ...all.map((r) => cols.map((c) => editorFor(c.type).csv(r[c.name])))];
      download(`${info.name}${narrowed ? '-filtered' : ''}.csv`, toCsv(rows));
      toast(`Exported ${all.length} record${all.length === 1 ? '' : 's'} to ${info.name}${narrowed ? '-filtered' : ''}.csv`);
    } catch (e) {
      toast(`Export failed: ${(e as Error).message}`, true);
    }
  };

  return (
    <section className="panel records" aria-label={`${info.name} records`}>
      <div className="records-bar">
        <div className="search records-search">
          <Icon name="search" />
          <input type="search" aria-label="Search records" value={search} disabled={!searchable}
            placeholder={searchable ? 'Search text columns (exact case)…' : 'no text columns to search'} onChange={(e) => setSearch(e.target.value)} />
        </div>
        <button type="button" className="btn" onClick={() => setFilters([...filters, { col: editable[0]?.name ?? 'id', op: 'eq', text: '' }])}>
          <Icon name="plus" /> Filter
        </button>
        <span className="spacer" />
        <label className="btn file-btn">
          <Icon name="upload" /> Import CSV
          <input type="file" accept=".csv,text/csv" className="sr-only" onChange={async (e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) setImporting(prepareImport(file.name, await file.text(), cols));
          }} />
        </label>
        <button type="button" className="btn" onClick={exportCsv}><Icon name="download" /> Export CSV</button>
        <button type="button" className="btn primary" onClick={() => setAdding(!adding)} aria-expanded={adding}><Icon name="plus" /> Add record</button>
      </div>
      {filters.length ? (
        <div className="filters" role="group" aria-label="Filters">
          {filters.map((f, i) => {
            const col = cols.find((c) => c.name === f.col);
            const ops = filterOps(types.get(col?.type));
            const op = ops.find((o) => o.op === f.op) ?? ops[0];
            const set = (p: Partial<Filter>) => setFilters(filters.map((x, j) => (j === i ? { ...x, ...p } : x)));
            return (
              <div className="filter-row" key={i}>
                <span className="muted small">{i === 0 ? 'where' : 'and'}</span>
                <select aria-label={`filter ${i + 1} column`} value={f.col} onChange={(e) => {
                  const t = types.get(cols.find((c) => c.name === e.target.value)?.type);
                  set({ col: e.target.value, op: filterOps(t).some((o) => o.op === f.op) ? f.op : filterOps(t)[0]?.op ?? f.op, text: '' });
                }}>
                  {cols.map((c) => <option key={c.name} value={c.name}>{c.name}</option>)}
                </select>
                <select aria-label={`filter ${i + 1} operator`} value={op?.op ?? ''} onChange={(e) => set({ op: e.target.value })}>
                  {ops.map((o) => <option key={o.op} value={o.op}>{o.label}</option>)}
                </select>
                {col && op?.value ? <ValueInput type={col.type} label={`filter ${i + 1} value`} value={f.text} onChange={(text) => set({ text })}
                  error={checked[i]?.error} /> : <span />}
                <IconButton icon="x" label={`Remove filter ${i + 1}`} onClick={() => setFilters(filters.filter((_, j) => j !== i))} />
              </div>
            );
          })}
        </div>
      ) : null}
      {adding ? <AddRecord cols={editable} table={info.name} toast={toast} onAdded={() => (load(), onChange())} onClose={() => setAdding(false)} /> : null}
      {importing ? <ImportPanel imp={importing} table={info.name} toast={toast} onDone={() => (setImporting(null), load(), onChange())} onCancel={() => setImporting(null)} /> : null}
      {err ? <div className="alert err" role="alert">{err}</div> : null}
      <div className="scroll-x">
        <table className="grid records-grid" aria-label={`${info.name} records`} aria-rowcount={data ? data.total + 1 : undefined}>
          <thead>
            <tr>
              {cols.map((c) => {
                const on = sort === c.name ? 'ascending' : sort === `-${c.name}` ? 'descending' : undefined;
                return (
                  <th key={c.name} aria-sort={on ?? 'none'} scope="col">
                    <button type="button" className="sort-btn" title={`Sort by ${c.name}`} onClick={() => setSort(on === 'ascending' ? `-${c.name}` : c.name)}>
                      {c.name}<span className="col-type"> {c.type}</span>
                      <span className="sr-only">, sort {on === 'ascending' ? 'descending' : 'ascending'}</span>
                      <span aria-hidden="true" className="sort-mark">{on === 'ascending' ? '▲' : on === 'descending' ? '▼' : ''}</span>
                    </button>
                  </th>
                );
              })}
              <th scope="col"><span className="sr-only">actions</span></th>
            </tr>
          </thead>
          <tbody>
            {(data?.items ?? []).map((r) => (
              <tr key={String(r.id)}>
                {cols.map((c) => (
                  <td key={c.name} className={SYSTEM.includes(c.name) ? 'sys' : 'editable'}>
                    {SYSTEM.includes(c.name) ? <Shown col={c} v={r[c.name]} /> : <Cell table={info.name} col={c} row={r} onSaved={load} />}
                  </td>
                ))}
                <td><IconButton icon="trash" label={`Delete record ${String(r.id)}`} onClick={async () => {
                  if (!confirm(`Delete record ${String(r.id)} of ${info.name}? This cannot be undone.`)) return;
                  try { await api.deleteRecord(info.name, r.id); load(); onChange(); } catch (e) { toast((e as Error).message, true); }
                }} /></td>
              </tr>
            ))}
          </tbody>
        </table>
        {data && data.items.length === 0 ? <div className="empty-state">{narrowed ? 'No record matches the search and filters.' : 'No records yet. Add one here, import a CSV file, or add them with the db.add step.'}</div> : null}
      </div>
      <div className="pager">
        <span className="muted small" data-testid="record-count">{data ? `${data.total} record${data.total === 1 ? '' : 's'}${narrowed ? ' match' : ''}` : ''}</span>
        <span className="spacer" />
        <label className="inline-label">per page
          <select value={per} onChange={(e) => setPer(Number(e.target.value))}>{[10, 25, 50, 100].map((n) => <option key={n}>{n}</option>)}</select>
        </label>
        <button type="button" className="icon-btn" aria-label="Previous page" disabled={page <= 1} onClick={() => setPage(page - 1)}><Icon name="left" /></button>
        <span className="small">page {page} of {pages}</span>
        <button type="button" className="icon-btn" aria-label="Next page" disabled={page >= pages} onClick={() => setPage(page + 1)}><Icon name="right" /></button>
      </div>
    </section>
  );
}

function Shown({ col, v }: { col: Col; v: unknown }) {
  const s = editorFor(col.type).show(v);
  if (v === null || v === undefined) return <span className="null">empty</span>;
  return <span className="cell-text" title={s.title}>{s.text}</span>;
}

/** RefLink opens the record a ref column points to: its table's browser, filtered to its id. */
function RefLink({ col, v }: { col: Col; v: unknown }) {
  if (!col.ref || v === null || v === undefined) return null;
  return <a className="ref-link" href={`#/def/${encodeURIComponent(col.ref)}?id=${encodeURIComponent(String(v))}`}
    aria-label={`open ${col.ref} ${String(v)}`} title={`open ${col.ref} ${String(v)}`}>→</a>;
}

/** Cell is one editable value: shown, and on click its typed editor. */
function Cell({ table, col, row, onSaved }: { table: string; col: Col; row: Row; onSaved: () => void }) {
  const v = row[col.name];
  const k = editorFor(col.type);
  const [text, setText] = useState<string | null>(null); // null: not editing
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const what = `${col.name} of record ${String(row.id)}`;
  const close = () => (setText(null), setError(null));
  const save = async (t = text) => {
    if (t === null || busy) return;
    if (t === k.edit(v)) return close();
    const p = parseValue(col.type, t, col.required);
    if (!p.ok) return setError(p.error);
    setBusy(true);
    try {
      await api.patchRecord(table, row.id, { [col.name]: p.value });
      close();
      onSaved();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  if (text === null) {
    const s = k.show(v);
    return (
      <>
        <button type="button" className="cell-btn" title={s.title} aria-label={`${s.text || 'empty'}: edit ${what}`} onClick={() => setText(k.edit(v))}>
          {v === null || v === undefined ? <span className="null">empty</span> : s.text}
        </button>
        <RefLink col={col} v={v} />
      </>
    );
  }
  const multi = k.input.kind === 'textarea';
  return (
    <div className="cell-edit">
      <ValueInput type={col.type} label={what} value={text} error={error} autoFocus choices={col.values}
        onChange={(t) => { setText(t); setError(null); if (k.input.kind === 'bool' || col.values?.length) void save(t); }}
        onKeyDown={(e) => {
          if (e.key === 'Escape') { e.preventDefault(); close(); }
          if (e.key === 'Enter' && (!multi || e.ctrlKey || e.metaKey)) { e.preventDefault(); void save(); }
        }}
        onBlur={() => { if (!multi && !error) void save(); }} />
      {multi || error ? (
        <span className="cell-actions">
          <button type="button" className="btn small primary" onMouseDown={(e) => e.preventDefault()} onClick={() => save()}>Save</button>
          <button type="button" className="btn small" onMouseDown={(e) => e.preventDefault()} onClick={close}>Cancel</button>
          {multi ? <span className="muted small">Ctrl+Enter saves</span> : null}
        </span>
      ) : null}
    </div>
  );
}

function AddRecord({ cols, table, toast, onAdded, onClose }: { cols: Col[]; table: string; toast: (m: string, bad?: boolean) => void; onAdded: () => void; onClose: () => void }) {
  const [vals, setVals] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [serverErr, setServerErr] = useState<string | null>(null);
  const add = async () => {
    const rec: Record<string, unknown> = {};
    const errs: Record<string, string> = {};
    for (const c of cols) {
      const t = vals[c.name] ?? '';
      if (t === '' && !c.required) continue;
      const p = parseValue(c.type, t, c.required);
      if (p.ok) rec[c.name] = p.value;
      else errs[c.name] = p.error;
    }
    setErrors(errs);
    setServerErr(null);
    if (Object.keys(errs).length) return;
    try {
      await api.addRecord(table, rec);
      setVals({});
      toast('Record added');
      onAdded();
    } catch (e: any) {
      const fields: { field: string; message: string }[] = e?.body?.error?.fields ?? [];
      if (fields.length) setErrors(Object.fromEntries(fields.map((f) => [f.field, f.message])));
      setServerErr((e as Error).message);
    }
  };
  return (
    <form className="add-record" aria-label="Add a record" onSubmit={(e) => (e.preventDefault(), add())}>
      {cols.map((c) => (
        <label key={c.name} className="stack-label">
          <span>{c.name}<span className="muted small"> {c.type}{c.required ? ' · required' : ''}</span></span>
          <ValueInput type={c.type} label={c.name} value={vals[c.name] ?? ''} error={errors[c.name]} choices={c.values}
            onChange={(t) => (setVals({ ...vals, [c.name]: t }), setErrors({ ...errors, [c.name]: '' }))} />
        </label>
      ))}
      <div className="row gap">
        <button type="submit" className="btn primary">Add</button>
        <button type="button" className="btn" onClick={onClose}>Close</button>
      </div>
      {serverErr ? <div className="alert err" role="alert">{serverErr}</div> : null}
    </form>
  );
}

interface Importing {
  file: string;
  columns: string[]; // the file's columns read into the table
  records: Record<string, unknown>[];
  skipped: string[]; // system columns left out
  errors: string[];
  fatal?: string;
}

/** prepareImport reads a CSV file's records by its header row, checking every value. */
function prepareImport(file: string, text: string, cols: Col[]): Importing {
  const out: Importing = { file, columns: [], records: [], skipped: [], errors: [] };
  let rows: string[][];
  try {
    rows = parseCsv(text);
  } catch (e) {
    return { ...out, fatal: `${file} is not CSV: ${(e as Error).message}` };
  }
  if (rows.length === 0) return { ...out, fatal: `${file} is empty; the first row names the columns` };
  const header = rows[0].map((h) => h.trim());
  const unknown = header.filter((h) => h && !cols.some((c) => c.name === h));
  if (unknown.length) {
    return { ...out, fatal: `${file} has column${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}, which the table does not; the table's columns are ${cols.map((c) => c.name).join(', ')}` };
  }
  out.skipped = header.filter((h) => SYSTEM.includes(h));
  out.columns = header.filter((h) => h && !SYSTEM.includes(h));
  const use = header.map((h) => cols.find((c) => c.name === h && !SYSTEM.includes(h)));
  const missing = cols.filter((c) => c.required && !SYSTEM.includes(c.name) && !header.includes(c.name));
  if (missing.length) return { ...out, fatal: `${file} lacks the required column${missing.length > 1 ? 's' : ''} ${missing.map((c) => c.name).join(', ')}` };
  rows.slice(1).forEach((r, i) => {
    const rec: Record<string, unknown> = {};
    let bad = false;
    use.forEach((c, j) => {
      if (!c) return;
      const cell = r[j] ?? '';
      if (cell === '' && !c.required) return;
      const p = parseValue(c.type, cell, c.required, true);
      if (p.ok) rec[c.name] = p.value;
      else (bad = true, out.errors.push(`row ${i + 2}, ${c.name}: ${p.error}`));
    });
    if (!bad) out.records.push(rec);
  });
  return out;
}

function ImportPanel({ imp, table, toast, onDone, onCancel }: { imp: Importing; table: string; toast: (m: string, bad?: boolean) => void; onDone: () => void; onCancel: () => void }) {
  const [done, setDone] = useState(0);
  const [failed, setFailed] = useState<string[]>([]);
  const [running, setRunning] = useState(false);
  const go = async () => {
    setRunning(true);
    const fails: string[] = [];
    let n = 0;
    for (const [i, rec] of imp.records.entries()) {
      try {
        await api.addRecord(table, rec);
        n++;
        setDone(n);
      } catch (e) {
        fails.push(`record ${i + 1}: ${(e as Error).message}`);
        setFailed([...fails]);
      }
    }
    setRunning(false);
    toast(`Imported ${n} record${n === 1 ? '' : 's'} into ${table}${fails.length ? `; ${fails.length} refused` : ''}`, fails.length > 0);
    if (!fails.length) onDone();
  };
  return (
    <div className="import-panel" role="region" aria-label="CSV import">
      <h3>Import {imp.file}</h3>
      {imp.fatal ? <div className="alert err" role="alert">{imp.fatal}</div> : (
        <>
          <p className="small">{imp.records.length} record{imp.records.length === 1 ? '' : 's'} ready{imp.errors.length ? `, ${imp.errors.length} value${imp.errors.length === 1 ? '' : 's'} refused (those rows are left out)` : ''}.
            {imp.skipped.length ? ` ${imp.skipped.join(', ')} ${imp.skipped.length > 1 ? 'are' : 'is'} kept by funcstack: the file's values are left out, and new ones are made.` : ''}</p>
          <p className="small muted">Columns read: {imp.columns.join(', ')}</p>
          {imp.errors.length ? <ul className="import-errors small">{imp.errors.slice(0, 8).map((e) => <li key={e}>{e}</li>)}{imp.errors.length > 8 ? <li>… and {imp.errors.length - 8} more</li> : null}</ul> : null}
          {failed.length ? <ul className="import-errors small" role="alert">{failed.slice(0, 8).map((e) => <li key={e}>{e}</li>)}</ul> : null}
          {running || done ? <p className="small" aria-live="polite">Added {done} of {imp.records.length}</p> : null}
        </>
      )}
      <div className="row gap">
        {!imp.fatal ? <button type="button" className="btn primary" disabled={running || !imp.records.length || done > 0} onClick={go}>Import {imp.records.length} record{imp.records.length === 1 ? '' : 's'}</button> : null}
        <button type="button" className="btn" onClick={done ? onDone : onCancel} disabled={running}>{done ? 'Close' : 'Cancel'}</button>
      </div>
    </div>
  );
}
