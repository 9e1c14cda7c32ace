// Value types: how a value of each column type is edited, checked, shown
// and written to CSV. One registry: the record grid, the add-record form,
// the filters and the CSV import all read it, so that a type added here
// (or, later, editor kinds sent by the server: setEditorKinds) works in
// all of them at once.

export type Parsed = { ok: true; value: unknown } | { ok: false; error: string };

/** An editor kind: the control a value is typed into and how its text is read. */
export interface EditorKind {
  /** input: the control (text input of an HTML type, a true/false select, a multi-line box). */
  input: { kind: 'text'; type: 'text' | 'number' | 'email' | 'datetime-local'; inputMode?: 'numeric' | 'decimal' } | { kind: 'bool' } | { kind: 'textarea' };
  /** parse reads the control's text ("" is null, refused when required). */
  parse: (text: string) => Parsed;
  /** edit is the control's text for a value. */
  edit: (v: unknown) => string;
  /** show is a value as a cell shows it, with a longer form on hover. */
  show: (v: unknown) => { text: string; title?: string };
  /** csv is a value as a CSV cell holds it; fromCsv reads it back. */
  csv: (v: unknown) => string;
  fromCsv: (text: string) => Parsed;
  /** hint is what to type, for placeholders. */
  hint: string;
}

const ok = (value: unknown): Parsed => ({ ok: true, value });
const bad = (error: string): Parsed => ({ ok: false, error });
const plain = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
const quoteIn = (s: string) => JSON.stringify(s.length > 40 ? s.slice(0, 40) + '…' : s);

const text: EditorKind = {
  input: { kind: 'text', type: 'text' },
  parse: (s) => ok(s),
  edit: plain,
  show: (v) => ({ text: plain(v) }),
  csv: plain,
  fromCsv: (s) => ok(s),
  hint: 'text',
};

function wholeNumber(s: string): Parsed {
  const t = s.trim();
  if (!/^[-+]?\d+$/.test(t)) return bad(`${quoteIn(s)} is not a whole number; type digits, like 42 or -7`);
  const n = Number(t);
  if (!Number.isSafeInteger(n)) return bad(`${t} is too large; whole numbers go up to ±9007199254740991 here`);
  return ok(n);
}
function decimalNumber(s: string): Parsed {
  const t = s.trim();
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return bad(`${quoteIn(s)} is not a number; type one like 19.99 or -0.5`);
  const n = Number(t);
  return Number.isFinite(n) ? ok(n) : bad(`${t} is too large`);
}
function boolean(s: string): Parsed {
  const t = s.trim().toLowerCase();
  if (['true', 'yes', '1'].includes(t)) return ok(true);
  if (['false', 'no', '0'].includes(t)) return ok(false);
  return bad(`${quoteIn(s)} is not true or false`);
}

/** localInput is a time as a datetime-local control holds it (local time, to the second). */
export function localInput(v: unknown): string {
  if (typeof v !== 'string' || !v) return '';
  const d = new Date(v);
  if (isNaN(d.getTime())) return v;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
function time(s: string): Parsed {
  const t = s.trim();
  // a datetime-local value (no zone) is local time; anything Date reads otherwise
  const d = /^\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?)?$/.test(t) ? new Date(t.length === 10 ? `${t}T00:00` : t.replace(' ', 'T')) : new Date(t);
  if (!t || isNaN(d.getTime())) return bad(`${quoteIn(s)} is not a date and time; type one like 2025-01-31 14:30, or pick one`);
  return ok(d.toISOString());
}
/** localTime shows a stored time in the browser's time zone, with the ISO text on hover. */
export function localTime(v: unknown): { text: string; title?: string } {
  if (typeof v !== 'string' || !v) return { text: plain(v) };
  const d = new Date(v);
  if (isNaN(d.getTime())) return { text: v };
  return { text: d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' }), title: v };
}

export const EDITOR_KINDS: Record<string, EditorKind> = {
  text,
  int: {
    input: { kind: 'text', type: 'text', inputMode: 'numeric' },
    parse: wholeNumber, edit: plain, show: (v) => ({ text: plain(v) }), csv: plain, fromCsv: wholeNumber, hint: 'a whole number, e.g. 42',
  },
  decimal: {
    input: { kind: 'text', type: 'text', inputMode: 'decimal' },
    parse: decimalNumber, edit: plain, show: (v) => ({ text: plain(v) }), csv: plain, fromCsv: decimalNumber, hint: 'a number, e.g. 19.99',
  },
  bool: { input: { kind: 'bool' }, parse: boolean, edit: plain, show: (v) => ({ text: plain(v) }), csv: plain, fromCsv: boolean, hint: 'true or false' },
  timestamp: {
    input: { kind: 'text', type: 'datetime-local' },
    parse: time, edit: localInput, show: localTime, csv: plain, fromCsv: time, hint: 'a date and time',
  },
  json: {
    input: { kind: 'textarea' },
    parse: (s) => {
      try { return ok(JSON.parse(s)); } catch (e) { return bad(`not JSON: ${(e as Error).message}; write it as JSON, e.g. {"a": 1} or ["x"]`); }
    },
    edit: (v) => (v === null || v === undefined ? '' : JSON.stringify(v, null, 2)),
    show: (v) => ({ text: plain(v) }),
    csv: plain,
    fromCsv: (s) => { try { return ok(JSON.parse(s)); } catch (e) { return bad(`not JSON: ${(e as Error).message}`); } },
    hint: 'JSON, e.g. {"a": 1}',
  },
  uuid: {
    ...text,
    parse: (s) => (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s.trim()) ? ok(s.trim().toLowerCase()) : bad(`${quoteIn(s)} is not a UUID; it looks like 0197a3c2-5b1e-7c1d-9e2f-1a2b3c4d5e6f`)),
    fromCsv: (s) => EDITOR_KINDS.uuid.parse(s),
    hint: 'a UUID',
  },
  ref: {
    ...text,
    parse: (s) => {
      const t = s.trim();
      if (/^[-+]?\d+$/.test(t)) return wholeNumber(t);
      if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(t)) return ok(t.toLowerCase());
      return bad(`${quoteIn(s)} is not an id; type the id of a record of the other table, like 42`);
    },
    fromCsv: (s) => EDITOR_KINDS.ref.parse(s),
    hint: 'the id of a record of the other table',
  },
  email: {
    ...text,
    input: { kind: 'text', type: 'email' },
    parse: (s) => (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s.trim()) ? ok(s.trim()) : bad(`${quoteIn(s)} is not an email address; it looks like ada@example.com`)),
    fromCsv: (s) => EDITOR_KINDS.email.parse(s),
    hint: 'an email address',
  },
};

/** kindOf maps column types to editor kinds (the same names until the server says otherwise). */
let kindOf: Record<string, string> = {};
/** setEditorKinds takes the server's column-type → editor-kind map (a later value-type registry). */
export function setEditorKinds(m: Record<string, string>) { kindOf = { ...m }; }

export function editorFor(type: string): EditorKind {
  return EDITOR_KINDS[kindOf[type] ?? type] ?? text;
}

/** parseValue reads what was typed for a column: "" is null, refused when the column is required. */
export function parseValue(type: string, s: string, required = false, fromCsv = false): Parsed {
  const k = editorFor(type);
  if (s === '' || (type !== 'text' && s.trim() === '')) return required ? bad('this column is required; type a value') : ok(null);
  return fromCsv ? k.fromCsv(s) : k.parse(s);
}
