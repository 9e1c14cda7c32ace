// The registered definition fields (auth, cors, rate_limit, history…) as
// forms made from their JSON Schemas (GET /_/api/definition-fields), so
// no field is written out here: an enum is a select, a list of enum
// values checkboxes, a boolean a checkbox, an integer a number, a list of
// text one comma-separated input, an object a group of its properties.
import { useEffect, useState } from 'react';
import { request } from './api';

export interface DefField { name: string; kinds: string[]; description: string; schema: any }

let loaded: Promise<DefField[]> | null = null;
const loadFields = () => (loaded ??= request<DefField[]>('GET', '/definition-fields').catch((e) => ((loaded = null), Promise.reject(e))));

/** DefFieldsForm edits every registered field of def's kind but those in skip. */
export function DefFieldsForm({ def, set, skip = [] }: { def: Record<string, any>; set: (k: string, v: unknown) => void; skip?: string[] }) {
  const [fields, setFields] = useState<DefField[]>([]);
  useEffect(() => void loadFields().then(setFields).catch(() => setFields([])), []);
  const mine = fields.filter((f) => f.kinds.includes(def.kind) && !skip.includes(f.name));
  if (!mine.length) return null;
  // folded to one line (what is set) so the stack stays on the screen
  const set_ = mine.filter((f) => !empty(def[f.name])).map((f) => `${f.name}: ${JSON.stringify(def[f.name]).replace(/[{}"]/g, '').slice(0, 60)}`);
  return (
    <section className="panel settings def-fields" aria-label="Access and limits">
      <details>
      <summary><strong>Access and limits</strong> <span className="muted small">{set_.length ? set_.join(' · ') : mine.map((f) => f.name).join(', ') + ': defaults'}</span></summary>
      {mine.map((f) => (
        <fieldset key={f.name} className="def-field" data-def-field={f.name}>
          <legend title={f.description}>{f.name}</legend>
          <p className="muted small">{f.description}</p>
          <SchemaValue id={`df-${f.name}`} label={f.name} schema={f.schema} value={def[f.name]} onChange={(v) => set(f.name, v)} />
        </fieldset>
      ))}
      </details>
    </section>
  );
}

const empty = (v: unknown) => v === undefined || v === '' || (Array.isArray(v) && !v.length) || (v && typeof v === 'object' && !Array.isArray(v) && !Object.keys(v).length);

function SchemaValue({ id, label, schema, value, onChange }: { id: string; label: string; schema: any; value: any; onChange: (v: unknown) => void }) {
  // one value or a list of them (auth): checkboxes over the list's values; one checked is stored alone
  if (schema.oneOf) {
    const one = schema.oneOf.find((s: any) => s.enum);
    const many = schema.oneOf.find((s: any) => s.type === 'array' && s.items?.enum);
    if (one && many) {
      const chosen: string[] = Array.isArray(value) ? value : value && value !== 'none' ? [value] : [];
      const toggle = (x: string) => {
        const next = chosen.includes(x) ? chosen.filter((c) => c !== x) : [...chosen, x];
        onChange(next.length === 0 ? undefined : next.length === 1 ? next[0] : next);
      };
      return (
        <div className="row gap" role="group" aria-label={label}>
          {many.items.enum.map((x: string) => <label key={x} className="check"><input type="checkbox" checked={chosen.includes(x)} onChange={() => toggle(x)} /> {x}</label>)}
          {!chosen.length ? <span className="muted small">none: anyone may call it</span> : null}
        </div>
      );
    }
  }
  if (schema.enum) {
    return (
      <select id={id} aria-label={label} value={value ?? ''} onChange={(e) => onChange(e.target.value || undefined)}>
        <option value="">default</option>
        {schema.enum.map((x: string) => <option key={x} value={x}>{x}</option>)}
      </select>
    );
  }
  if (schema.type === 'object' && schema.properties) {
    const obj = value && typeof value === 'object' ? value : {};
    const setProp = (k: string, v: unknown) => {
      const n = { ...obj, [k]: v };
      if (empty(v)) delete n[k];
      onChange(Object.keys(n).length ? n : undefined);
    };
    const req: string[] = schema.required ?? [];
    const missing = Object.keys(obj).length > 0 ? req.filter((r) => obj[r] === undefined) : [];
    return (
      <div className="fields">
        {Object.entries(schema.properties).map(([k, ps]: [string, any]) => (
          <div key={k} className={`field${ps.type === 'array' ? ' wide' : ''}`}>
            {ps.type === 'boolean' ? null : <label className="field-label" htmlFor={`${id}-${k}`}>{k}{req.includes(k) ? ' *' : ''}</label>}
            <SchemaValue id={`${id}-${k}`} label={`${label} ${k}`} schema={ps} value={obj[k]} onChange={(v) => setProp(k, v)} />
          </div>
        ))}
        {missing.length ? <div className="hint bad" role="alert">{label} also needs {missing.join(' and ')}</div> : null}
      </div>
    );
  }
  if (schema.type === 'boolean') {
    return <label className="check"><input id={id} type="checkbox" checked={!!value} onChange={(e) => onChange(e.target.checked || undefined)} /> {label.split(' ').pop()}</label>;
  }
  if (schema.type === 'integer' || schema.type === 'number') {
    return <input id={id} aria-label={label} type="number" min={schema.minimum} value={value ?? ''} onChange={(e) => onChange(e.target.value === '' ? undefined : Number(e.target.value))} />;
  }
  if (schema.type === 'array' && schema.items?.enum) {
    const list: string[] = Array.isArray(value) ? value : [];
    return (
      <div className="row gap" role="group" aria-label={label}>
        {schema.items.enum.map((x: string) => <label key={x} className="check"><input type="checkbox" checked={list.includes(x)}
          onChange={() => onChange(list.includes(x) ? list.filter((y) => y !== x) : [...list, x])} /> {x}</label>)}
      </div>
    );
  }
  if (schema.type === 'array') {
    return <ListInput id={id} label={label} value={Array.isArray(value) ? value : []} onChange={onChange} placeholder={schema.description} />;
  }
  const bad = typeof value === 'string' && value !== '' && schema.pattern && !new RegExp(schema.pattern).test(value);
  return (
    <>
      <input id={id} aria-label={label} className="mono" value={value ?? ''} aria-invalid={!!bad} placeholder={schema.description ?? ''} onChange={(e) => onChange(e.target.value || undefined)} />
      {bad ? <div className="hint bad">not a valid {label.split(' ').pop()}</div> : null}
    </>
  );
}

/** ListInput edits a list of text as one comma-separated input, keeping what is typed until it leaves. */
function ListInput({ id, label, value, onChange, placeholder }: { id: string; label: string; value: string[]; onChange: (v: unknown) => void; placeholder?: string }) {
  const [text, setText] = useState(value.join(', '));
  useEffect(() => setText(value.join(', ')), [value.join('\u0000')]);
  return <input id={id} aria-label={label} className="mono" value={text} placeholder={placeholder} onChange={(e) => {
    setText(e.target.value);
    const list = e.target.value.split(',').map((x) => x.trim()).filter(Boolean);
    onChange(list.length ? list : undefined);
  }} />;
}
