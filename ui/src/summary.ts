// One line per step, from the catalogue's summary template (engine
// StepType.Summary): literal text, {field} for a field's value, and [ … ]
// for a part shown only when every field in it is set (a bool when true,
// shown as its name). Nothing here knows a step type by name.
import type { CatalogueField, StepType } from './api';

export interface SumPart { text: string; field?: string; kind?: string }
type Node = { lit: string } | { field: string } | { opt: Node[] };

const parsed = new Map<string, Node[]>();
function parse(tpl: string): Node[] {
  const hit = parsed.get(tpl);
  if (hit) return hit;
  const top: Node[] = [];
  let cur = top;
  let lit = '';
  const flush = () => { if (lit) cur.push({ lit }), (lit = ''); };
  for (let i = 0; i < tpl.length; i++) {
    const c = tpl[i];
    if (c === '[') { flush(); const opt: Node[] = []; top.push({ opt }); cur = opt; }
    else if (c === ']') { flush(); cur = top; }
    else if (c === '{') {
      const j = tpl.indexOf('}', i);
      if (j < 0) { lit += tpl.slice(i); break; }
      flush();
      cur.push({ field: tpl.slice(i + 1, j) });
      i = j;
    } else lit += c;
  }
  flush();
  parsed.set(tpl, top);
  return top;
}

const CLIP = 90;
const clip = (s: string) => (s.length > CLIP ? s.slice(0, CLIP - 1) + '…' : s);

/** show is a field's value as the summary writes it, or null when it is not set. */
export function show(f: CatalogueField | undefined, name: string, v: unknown): string | null {
  if (v === undefined || v === null || v === '' || v === false) return null;
  switch (f?.kind) {
    case 'bool': return v ? name : null;
    case 'steps': case 'cases': return null;
    case 'expr_map': {
      if (typeof v !== 'object') return clip(String(v));
      const ks = Object.keys(v as object);
      return ks.length ? clip(ks.map((k) => `${k} = ${(v as any)[k]}`).join(', ')) : null;
    }
    case 'expr_list': case 'string_list':
      return Array.isArray(v) ? (v.length ? clip(v.join(', ')) : null) : clip(String(v));
    default:
      return typeof v === 'object' ? clip(JSON.stringify(v)) : clip(String(v));
  }
}

/** summarize renders a step's one line: literal parts and field values (with their field and kind). */
export function summarize(t: StepType | undefined, step: Record<string, any>): SumPart[] {
  if (!t) return [{ text: String(step.type) }];
  const fields = new Map((t.fields ?? []).map((f) => [f.name, f]));
  const nodes = parse(t.summary || t.type);
  const out: SumPart[] = [];
  const emit = (ns: Node[], into: SumPart[]) => {
    for (const n of ns) {
      if ('lit' in n) into.push({ text: n.lit });
      else if ('field' in n) {
        const f = fields.get(n.field);
        const s = show(f, n.field, step[n.field]);
        if (s === null) { // a required field not set yet
          into.push({ text: '…', field: n.field, kind: 'missing' });
          continue;
        }
        into.push({ text: s, field: n.field, kind: f?.kind === 'bool' ? 'flag' : f?.kind });
      } else {
        const part: SumPart[] = [];
        if (emitOpt(n.opt, part)) into.push(...part);
      }
    }
  };
  // an optional part is left out when any field in it is not set
  const emitOpt = (ns: Node[], into: SumPart[]) => {
    for (const n of ns) {
      if ('lit' in n) into.push({ text: n.lit });
      else if ('field' in n) {
        const s = show(fields.get(n.field), n.field, step[n.field]);
        if (s === null) return false;
        const k = fields.get(n.field)?.kind;
        into.push({ text: s, field: n.field, kind: k === 'bool' ? 'flag' : k });
      }
    }
    return true;
  };
  emit(nodes, out);
  return out;
}

export const summaryText = (t: StepType | undefined, step: Record<string, any>) => summarize(t, step).map((p) => p.text).join('');
