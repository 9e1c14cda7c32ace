// The definition being edited: steps carry a hidden __id (for React keys
// and drag and drop) that never leaves the browser; addresses are the
// JSON paths the server uses in diagnostics and traces ("stack[1].then[0]").
import type { CatalogueField, Definition, Diagnostic, StepType } from './api';
import type { ScopeName } from './expr';

export type Step = Record<string, any> & { type: string; __id: string };
export type Seg = string | number;

let seq = 0;
export const newId = () => `s${++seq}`;

export class Catalogue {
  byType = new Map<string, StepType>();
  constructor(public types: StepType[]) {
    for (const t of types) this.byType.set(t.type, t);
  }
  fields(type: string): CatalogueField[] {
    return this.byType.get(type)?.fields ?? [];
  }
  /** blockFields are the fields of a step holding nested steps: [field, kind]. */
  blockFields(type: string): CatalogueField[] {
    return this.fields(type).filter((f) => f.kind === 'steps' || f.kind === 'cases');
  }
  /** blank makes a new step of a type: required fields empty, lists empty. */
  blank(type: string): Step {
    const s: Step = { type, __id: newId() };
    for (const f of this.fields(type)) {
      if (!f.required) continue;
      switch (f.kind) {
        case 'steps': case 'cases': case 'expr_list': case 'string_list': s[f.name] = []; break;
        case 'expr_map': s[f.name] = {}; break;
        case 'bool': s[f.name] = false; break;
        case 'int': break;
        default: s[f.name] = f.values?.[0] ?? '';
      }
    }
    return s;
  }
}

/** eachList calls f for every step list in a step (field name, list, case index). */
function childLists(cat: Catalogue, step: any, f: (segs: Seg[], list: any[]) => void) {
  for (const fd of cat.blockFields(step.type)) {
    const v = step[fd.name];
    if (!Array.isArray(v)) continue;
    if (fd.kind === 'steps') f([fd.name], v);
    else v.forEach((c: any, i: number) => Array.isArray(c?.steps) && f([fd.name, i, 'steps'], c.steps));
  }
}

export function withIds(cat: Catalogue, def: Definition): Definition {
  const walk = (list: any[]): Step[] =>
    list.map((s) => {
      if (!s || typeof s !== 'object') return s;
      const c: any = { ...s, __id: newId() };
      for (const fd of cat.blockFields(c.type)) {
        const v = c[fd.name];
        if (!Array.isArray(v)) continue;
        if (fd.kind === 'steps') c[fd.name] = walk(v);
        else c[fd.name] = v.map((cs: any) => (cs && Array.isArray(cs.steps) ? { ...cs, steps: walk(cs.steps) } : cs));
      }
      return c;
    });
  const d = { ...def };
  if (Array.isArray(d.stack)) d.stack = walk(d.stack);
  return d;
}

/** strip gives the definition as the server reads it. */
export function strip(def: Definition): Definition {
  return JSON.parse(JSON.stringify(def, (k, v) => (k === '__id' ? undefined : v)));
}

export function pathOf(segs: Seg[]): string {
  let s = '';
  for (const p of segs) s += typeof p === 'number' ? `[${p}]` : s ? `.${p}` : p;
  return s;
}
export function segsOf(path: string): Seg[] {
  const out: Seg[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return out;
}

export function getAt(obj: any, segs: Seg[]): any {
  let o = obj;
  for (const s of segs) o = o?.[s as any];
  return o;
}
export function setAt(obj: any, segs: Seg[], val: any): any {
  if (segs.length === 0) return val;
  const [h, ...rest] = segs;
  const cur = obj?.[h as any];
  const nv = setAt(cur, rest, val);
  if (Array.isArray(obj)) {
    const c = obj.slice();
    c[h as number] = nv;
    return c;
  }
  const c = { ...(obj ?? {}) };
  if (nv === undefined) delete c[h as string];
  else c[h as string] = nv;
  return c;
}

export interface Found { listSegs: Seg[]; index: number; step: Step }
/** find locates a step by id. */
export function find(cat: Catalogue, def: Definition, id: string): Found | null {
  let res: Found | null = null;
  const walk = (list: any[], segs: Seg[]) => {
    list.forEach((s, i) => {
      if (res || !s) return;
      if (s.__id === id) res = { listSegs: segs, index: i, step: s };
      else childLists(cat, s, (sub, l) => walk(l, [...segs, i, ...sub]));
    });
  };
  walk(def.stack ?? [], ['stack']);
  return res;
}

export function countSteps(cat: Catalogue, list: any[]): number {
  let n = 0;
  for (const s of list) {
    n++;
    if (s) childLists(cat, s, (_, l) => (n += countSteps(cat, l)));
  }
  return n;
}

export function insertAt(def: Definition, listSegs: Seg[], index: number, step: Step): Definition {
  const list = (getAt(def, listSegs) ?? []).slice();
  list.splice(index, 0, step);
  return setAt(def, listSegs, list);
}
export function removeAt(def: Definition, listSegs: Seg[], index: number): Definition {
  const list = (getAt(def, listSegs) ?? []).slice();
  list.splice(index, 1);
  return setAt(def, listSegs, list);
}

/** move moves the step with id to index in the list at toSegs (index counted before removal). */
export function move(cat: Catalogue, def: Definition, id: string, toSegs: Seg[], toIndex: number): Definition {
  const f = find(cat, def, id);
  if (!f) return def;
  const from = pathOf([...f.listSegs, f.index]);
  const to = pathOf(toSegs);
  if (to === from || to.startsWith(from + '.') || to.startsWith(from + '[')) return def; // into itself
  let d = removeAt(def, f.listSegs, f.index);
  // the removal shifts later siblings (and lists inside them) in the same parent list
  const fl = f.listSegs.length;
  let segs = toSegs.slice();
  if (segs.length > fl && pathOf(segs.slice(0, fl)) === pathOf(f.listSegs) && typeof segs[fl] === 'number' && (segs[fl] as number) > f.index) {
    segs[fl] = (segs[fl] as number) - 1;
  }
  let idx = toIndex;
  if (pathOf(segs) === pathOf(f.listSegs) && toIndex > f.index) idx--;
  return insertAt(d, segs, idx, f.step);
}

export function cloneStep(cat: Catalogue, s: Step): Step {
  return withIds(cat, { stack: [strip(s)] }).stack[0];
}

/** declared are the names a step declares (its name-kind fields). */
function declared(cat: Catalogue, s: any, out: ScopeName[]) {
  for (const f of cat.fields(s.type)) if (f.kind === 'name' && typeof s[f.name] === 'string' && s[f.name]) out.push({ name: s[f.name], detail: `${s.type} ${f.name}` });
}
/** declaredDeep adds the names a step leaves in scope after it: not its loop variables, nor what its loop body declares (the registry's local fields). */
function declaredDeep(cat: Catalogue, s: any, out: ScopeName[]) {
  for (const f of cat.fields(s.type)) if (f.kind === 'name' && !f.local && typeof s[f.name] === 'string' && s[f.name]) out.push({ name: s[f.name], detail: `${s.type} ${f.name}` });
  const local = new Set(cat.fields(s.type).filter((f) => f.local).map((f) => f.name));
  childLists(cat, s, (segs, l) => { if (!local.has(String(segs[0]))) l.forEach((c) => c && declaredDeep(cat, c, out)); });
}

/** scopeAt lists the names an expression of the step at segs can use. */
export function scopeAt(cat: Catalogue, def: Definition, segs: Seg[]): ScopeName[] {
  const out: ScopeName[] = [];
  const inputs = (def.input ?? []).map((f: any) => f.name).filter(Boolean);
  out.push({ name: 'input', detail: 'the input', fields: inputs });
  if (def.kind === 'endpoint') {
    out.push({ name: 'request', detail: 'the HTTP request', fields: ['method', 'path', 'headers', 'query', 'ip'] });
    if (def.auth) out.push({ name: 'auth', detail: 'JWT claims', fields: ['sub'] });
  }
  out.push({ name: 'env', detail: 'environment values' });
  // walk down: earlier siblings at each level, and the enclosing steps themselves
  let node: any = def;
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i];
    if (typeof s === 'number' && Array.isArray(node)) {
      for (let j = 0; j < s; j++) node[j] && declaredDeep(cat, node[j], out);
      const step = node[s];
      if (!step) break;
      if (i < segs.length - 1) declared(cat, step, out); // an enclosing block: its loop variables
      if (segs[i + 1] === 'catch') out.push({ name: 'error', detail: 'the caught error', fields: ['message', 'code', 'status', 'step'] });
      node = step;
    } else node = node?.[s as any];
  }
  const seen = new Set<string>();
  return out.filter((n) => (seen.has(n.name) ? false : (seen.add(n.name), true)));
}

/** namesInScope is the set of names scopeAt gives for the step at path (the inspector shows only those). */
export function namesInScope(cat: Catalogue, def: Definition, path: string): Set<string> {
  return new Set(scopeAt(cat, def, segsOf(path)).map((n) => n.name));
}

/** A small store components subscribe to by path, so an update re-renders only what it touches. */
export class PathStore<T> {
  private exact = new Map<string, T[]>();
  private deep = new Map<string, T[]>();
  private subs = new Set<() => void>();
  all: T[] = [];
  constructor(private pathOfItem: (t: T) => string) {}
  set(items: T[]) {
    const exact = new Map<string, T[]>();
    const deep = new Map<string, T[]>();
    for (const it of items) {
      const p = this.pathOfItem(it) ?? ''; // a diagnostic may name no path (e.g. a whole-workspace error)
      push(exact, p, it);
      const segs = segsOf(p);
      for (let i = 1; i <= segs.length; i++) push(deep, pathOf(segs.slice(0, i)), it);
    }
    this.exact = stable(this.exact, exact);
    this.deep = stable(this.deep, deep);
    this.all = items;
    this.subs.forEach((f) => f());
  }
  at = (p: string) => this.exact.get(p) ?? EMPTY;
  under = (p: string) => this.deep.get(p) ?? EMPTY;
  subscribe = (f: () => void) => {
    this.subs.add(f);
    return () => void this.subs.delete(f);
  };
}
const EMPTY: any[] = [];
function push<T>(m: Map<string, T[]>, k: string, v: T) {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}
function stable<T>(old: Map<string, T[]>, nu: Map<string, T[]>) {
  for (const [k, v] of nu) {
    const o = old.get(k);
    if (o && JSON.stringify(o) === JSON.stringify(v)) nu.set(k, o);
  }
  return nu;
}

export const diagStore = new PathStore<Diagnostic>((d) => d.path);
