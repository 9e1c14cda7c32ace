// A table: the schema designer (columns, indexes, triggers; saved as the
// table definition) and the record browser (Records.tsx).
import { useCallback, useEffect, useState } from 'react';
import { api, ApiError, type DefSummary, type Definition, type TableInfo, type ValueType } from './api';
import { Diags, IconButton } from './StackEditor';
import { Icon } from './icons';
import { Records } from './Records';
import { editorFor } from './values';
import { useValueTypes } from './valueTypes';

export function TablePage({ name, defs, onSaved, setDirty, toast }: { name: string; defs: DefSummary[]; onSaved: () => void; setDirty: (d: boolean) => void; toast: (m: string, bad?: boolean) => void }) {
  const [tab, setTab] = useState<'records' | 'schema'>('records');
  const [info, setInfo] = useState<TableInfo | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    api.tables().then((r) => setInfo(r.items.find((t) => t.name === name) ?? null)).catch(() => setInfo(null));
  }, [name, tick]);
  return (
    <div className="page">
      <header className="page-head">
        <h1><span className="kind-badge k-table">table</span> {name}</h1>
        <div className="tabs" role="tablist">
          <button role="tab" aria-selected={tab === 'records'} className={tab === 'records' ? 'on' : ''} onClick={() => setTab('records')}>Records{info ? ` (${info.rows})` : ''}</button>
          <button role="tab" aria-selected={tab === 'schema'} className={tab === 'schema' ? 'on' : ''} onClick={() => setTab('schema')}>Schema</button>
        </div>
      </header>
      {tab === 'schema' ? <Schema name={name} defs={defs} setDirty={setDirty} toast={toast} onSaved={() => (onSaved(), setTick((t) => t + 1))} /> :
        info ? <Records info={info} toast={toast} onChange={() => setTick((t) => t + 1)} /> :
          <div className="empty-state">This table is not live yet: publish its definition to create it.</div>}
    </div>
  );
}

function Schema({ name, defs, setDirty, toast, onSaved }: { name: string; defs: DefSummary[]; setDirty: (d: boolean) => void; toast: (m: string, bad?: boolean) => void; onSaved: () => void }) {
  const [def, setDef] = useState<Definition | null>(null);
  const [saved, setSaved] = useState('');
  const [diags, setDiags] = useState<any[]>([]);
  // the column types are the catalogue's: the designer waits for it, as for the definition
  const catalogue = useValueTypes();
  const tableNames = defs.filter((d) => d.kind === 'table').map((d) => d.name);
  useEffect(() => {
    api.definition(name).then((r) => (setDef(r.content), setSaved(JSON.stringify(r.content)))).catch((e) => toast(e.message, true));
  }, [name]);
  const dirty = !!def && JSON.stringify(def) !== saved;
  useEffect(() => (setDirty(dirty), () => setDirty(false)), [dirty]);
  const save = useCallback(async () => {
    if (!def) return;
    try {
      const r = await api.save(def, true);
      setSaved(JSON.stringify(def));
      setDiags(r.diagnostics ?? []);
      toast(`Saved and published ${name} v${r.version}`);
      onSaved();
    } catch (e) {
      setDiags(e instanceof ApiError ? e.diagnostics : []);
      toast(`Not saved: ${(e as Error).message}`, true);
    }
  }, [def, name]);
  useEffect(() => {
    const k = (e: KeyboardEvent) => { if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's') (e.preventDefault(), save()); };
    window.addEventListener('keydown', k);
    return () => window.removeEventListener('keydown', k);
  }, [save]);
  if (!def || !catalogue) return <div className="muted">loading…</div>;
  const types = catalogue.columns;
  const fields: any[] = def.fields ?? [];
  const indexes: any[] = def.indexes ?? [];
  const triggers: any[] = def.triggers ?? [];
  const put = (k: string, v: unknown) => setDef({ ...def, [k]: v });
  const putField = (i: number, k: string, v: unknown) => put('fields', fields.map((f, j) => {
    if (j !== i) return f;
    const c = { ...f, [k]: v };
    if (v === undefined || v === false || v === '') delete c[k];
    return c;
  }));
  // a default is read by the column's editor when that makes a number or a bool (42, true), else as JSON, else as text
  const parseDefault = (s: string, type: string) => {
    if (s === '') return undefined;
    const p = editorFor(type).parse(s);
    if (p.ok && (typeof p.value === 'number' || typeof p.value === 'boolean')) return p.value;
    try { return JSON.parse(s); } catch { return s; }
  };
  return (
    <div className="schema">
      {diags.length ? <Diags list={diags} /> : null}
      <section className="panel">
        <div className="row gap">
          <h2 className="section-title">Columns</h2>
          <span className="spacer" />
          <label className="inline-label">id
            <select aria-label="id type" value={def.id ?? 'int'} onChange={(e) => put('id', e.target.value === 'int' ? undefined : e.target.value)}>
              <option value="int">auto-increment int</option><option value="uuid">uuid</option>
            </select>
          </label>
        </div>
        <table className="grid">
          <thead><tr><th>name</th><th>type</th><th>required</th><th>unique</th><th title="left out of the records db steps give back, unless a step lists it in fields (e.g. a password hash)">hidden</th><th>default</th><th /></tr></thead>
          <tbody>
            <tr className="muted"><td className="mono">id</td><td>{def.id === 'uuid' ? 'uuid' : 'int'}</td><td>✓</td><td>✓</td><td /><td>auto</td><td /></tr>
            {fields.map((f, i) => (
              <tr key={i}>
                <td><input className="mono" aria-label={`column ${i + 1} name`} value={f.name} onChange={(e) => putField(i, 'name', e.target.value)} /></td>
                <td><select aria-label={`column ${i + 1} type`} value={f.type} onChange={(e) => putField(i, 'type', e.target.value)}>{types.map((t) => <option key={t.name} title={t.description}>{t.name}</option>)}</select>
                  <Relation f={f} i={i} type={types.find((t) => t.name === f.type)} tables={tableNames} set={(k, v) => putField(i, k, v)} />
                  {types.find((t) => t.name === f.type)?.values || f.values ? <FieldValues key={f.type} f={f} i={i} set={(v) => putField(i, 'values', v)} /> : null}</td>
                <td><input type="checkbox" aria-label={`column ${i + 1} required`} checked={!!f.required} onChange={(e) => putField(i, 'required', e.target.checked)} /></td>
                <td><input type="checkbox" aria-label={`column ${i + 1} unique`} checked={!!f.unique} onChange={(e) => putField(i, 'unique', e.target.checked)} /></td>
                <td>{types.find((t) => t.name === f.type)?.relation !== 'many' // a refs field has no column to hide
                  ? <input type="checkbox" aria-label={`column ${i + 1} hidden`} checked={!!f.hidden} onChange={(e) => putField(i, 'hidden', e.target.checked)} />
                  : null}</td>
                <td><input className="mono" aria-label={`column ${i + 1} default`} value={f.default === undefined ? '' : typeof f.default === 'string' ? f.default : JSON.stringify(f.default)}
                  onChange={(e) => putField(i, 'default', parseDefault(e.target.value, f.type))} /></td>
                <td><IconButton icon="x" label={`Remove column ${f.name}`} onClick={() => put('fields', fields.filter((_, j) => j !== i))} /></td>
              </tr>
            ))}
            <tr className="muted"><td className="mono">created_at, updated_at</td><td>timestamp</td><td colSpan={5}>kept by funcstack</td></tr>
          </tbody>
        </table>
        <button type="button" className="link" onClick={() => put('fields', [...fields, { name: `column_${fields.length + 1}`, type: types[0].name }])}>+ Add column</button>
      </section>
      <section className="panel">
        <h2 className="section-title">Indexes</h2>
        {indexes.map((ix, i) => (
          <div className="row gap" key={i}>
            <input className="mono grow" aria-label={`index ${i + 1} columns`} value={(ix.fields ?? []).join(', ')} placeholder="column, column"
              onChange={(e) => put('indexes', indexes.map((x, j) => (j === i ? { ...x, fields: e.target.value.split(',').map((s) => s.trim()).filter(Boolean) } : x)))} />
            <label className="check"><input type="checkbox" checked={!!ix.unique} onChange={(e) => put('indexes', indexes.map((x, j) => (j === i ? { ...x, unique: e.target.checked || undefined } : x)))} /> unique</label>
            <IconButton icon="x" label={`Remove index ${i + 1}`} onClick={() => put('indexes', indexes.filter((_, j) => j !== i))} />
          </div>
        ))}
        <button type="button" className="link" onClick={() => put('indexes', [...indexes, { fields: [] }])}>+ Add index</button>
      </section>
      <section className="panel">
        <h2 className="section-title">Triggers</h2>
        {triggers.map((tr, i) => (
          <div className="row gap" key={i}>
            {['insert', 'update', 'delete'].map((on) => (
              <label key={on} className="check"><input type="checkbox" checked={(tr.on ?? []).includes(on)}
                onChange={(e) => put('triggers', triggers.map((x, j) => (j === i ? { ...x, on: e.target.checked ? [...(x.on ?? []), on] : (x.on ?? []).filter((o: string) => o !== on) } : x)))} /> {on}</label>
            ))}
            <span>→</span>
            <select aria-label={`trigger ${i + 1} function`} value={tr.function ?? ''} onChange={(e) => put('triggers', triggers.map((x, j) => (j === i ? { ...x, function: e.target.value } : x)))}>
              <option value="">choose a function…</option>
              {defs.filter((d) => d.kind === 'function').map((d) => <option key={d.name}>{d.name}</option>)}
            </select>
            <IconButton icon="x" label={`Remove trigger ${i + 1}`} onClick={() => put('triggers', triggers.filter((_, j) => j !== i))} />
          </div>
        ))}
        <button type="button" className="link" onClick={() => put('triggers', [...triggers, { on: ['insert'], function: '' }])}>+ Add trigger</button>
      </section>
      <div className="row gap">
        <button type="button" className="btn primary" onClick={save} disabled={!dirty}><Icon name="save" /> Save &amp; publish</button>
        {dirty ? <span className="muted small">unsaved changes</span> : null}
      </div>
    </div>
  );
}

/** FieldValues edits the texts a column allows (its values), comma-separated; the text is kept as typed while the list is saved. */
function FieldValues({ f, i, set }: { f: any; i: number; set: (v: string[] | undefined) => void }) {
  const [text, setText] = useState<string>((f.values ?? []).join(', '));
  return (
    <label className="inline-label" title="the texts the column allows, comma-separated (e.g. placed, paid, shipped); every write refuses another">values
      <input className="mono" aria-label={`column ${i + 1} values`} value={text} placeholder="any text"
        onChange={(e) => {
          setText(e.target.value);
          const list = e.target.value.split(',').map((s) => s.trim()).filter(Boolean);
          set(list.length ? list : undefined);
        }} />
    </label>
  );
}

/** Relation edits what a ref or refs field links to (the catalogue's relation says which fields apply). */
function Relation({ f, i, type, tables, set }: { f: any; i: number; type?: ValueType; tables: string[]; set: (k: string, v: unknown) => void }) {
  if (!type?.relation) return null;
  return (
    <div className="relation">
      <label className="inline-label">to
        <select aria-label={`column ${i + 1} table`} value={f.table ?? ''} onChange={(e) => set('table', e.target.value)}>
          <option value="">choose a table…</option>
          {tables.map((t) => <option key={t}>{t}</option>)}
        </select>
      </label>
      {f.table ? <a className="ref-link" href={`#/def/${encodeURIComponent(f.table)}`}>open {f.table}</a> : null}
      {type.relation === 'many' ?
        <label className="inline-label">by <input className="mono" aria-label={`column ${i + 1} by`} value={f.by ?? ''} placeholder={`its ref to this table`} onChange={(e) => set('by', e.target.value)} /></label> :
        <label className="inline-label">on delete
          <select aria-label={`column ${i + 1} on delete`} value={f.on_delete ?? 'restrict'} onChange={(e) => set('on_delete', e.target.value === 'restrict' ? undefined : e.target.value)}>
            <option value="restrict">restrict</option><option value="cascade">cascade</option><option value="set_null">set null</option>
          </select>
        </label>}
    </div>
  );
}
