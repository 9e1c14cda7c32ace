// Editor kinds: how a value is edited, checked, shown and written to CSV,
// by the editor the value-type catalogue names for its type (GET
// /_/api/types, "editor"; valueTypes.ts hands the map to setEditorKinds).
// The record grid, the add-record form, the filters, the CSV import and
// the input constraints all read it, so a type the server adds with an
// existing editor works in all of them at once. Editor kinds are the UI's
// own vocabulary; nothing here knows a type's name.

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
  /** asText: a value is a text, written as typed (an input's default is not JSON); else JSON. */
  asText: boolean;
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
  asText: true,
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

const number: EditorKind = {
  input: { kind: 'text', type: 'text', inputMode: 'numeric' },
  parse: wholeNumber, edit: plain, show: (v) => ({ text: plain(v) }), csv: plain, fromCsv: wholeNumber, hint: 'a whole number, e.g. 42', asText: false,
};

/** EDITOR_KINDS are the editors by the catalogue's editor names (engine/value Info.Editor). */
export const EDITOR_KINDS: Record<string, EditorKind> = {
  text,
  number,
  decimal: {
    input: { kind: 'text', type: 'text', inputMode: 'decimal' },
    parse: decimalNumber, edit: plain, show: (v) => ({ text: plain(v) }), csv: plain, fromCsv: decimalNumber, hint: 'a number, e.g. 19.99', asText: false,
  },
  toggle: { input: { kind: 'bool' }, parse: boolean, edit: plain, show: (v) => ({ text: plain(v) }), csv: plain, fromCsv: boolean, hint: 'true or false', asText: false },
  datetime: {
    input: { kind: 'text', type: 'datetime-local' },
    parse: time, edit: localInput, show: localTime, csv: plain, fromCsv: time, hint: 'a date and time', asText: true,
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
    asText: false,
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
    asText: false,
  },
  email: {
    ...text,
    input: { kind: 'text', type: 'email' },
    parse: (s) => (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s.trim()) ? ok(s.trim()) : bad(`${quoteIn(s)} is not an email address; it looks like ada@example.com`)),
    fromCsv: (s) => EDITOR_KINDS.email.parse(s),
    hint: 'an email address',
  },
};

/** kindOf maps value types to editor kinds: the catalogue's editor of each type. */
let kindOf: Record<string, string> = {};
/** setEditorKinds takes the catalogue's type → editor map (valueTypes.ts, when the catalogue answers). */
export function setEditorKinds(m: Record<string, string>) { kindOf = { ...m }; }

/** editorFor is the editor of a value type (the text editor for a type with none here: object, refs). */
export function editorFor(type: string): EditorKind {
  return EDITOR_KINDS[kindOf[type]] ?? text;
}

/** typedAsText: a value of the type is a text written as typed, not JSON (an input's default). */
export function typedAsText(type: string): boolean {
  return EDITOR_KINDS[kindOf[type]]?.asText ?? false;
}

/** parseValue reads what was typed for a column: "" is null, refused when the column is required; blanks are a text editor's value only. */
export function parseValue(type: string, s: string, required = false, fromCsv = false): Parsed {
  const k = editorFor(type);
  if (s === '' || (kindOf[type] !== 'text' && s.trim() === '')) return required ? bad('this column is required; type a value') : ok(null);
  return fromCsv ? k.fromCsv(s) : k.parse(s);
}
