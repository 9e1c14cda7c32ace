// A step-level diff of two versions of a definition: the steps added,
// removed, changed (with their changed fields) and kept, aligned as a
// person reads them, nested blocks diffed inside their step.
import type { Catalogue } from './doc';

export interface FieldChange { name: string; old?: unknown; new?: unknown }
export interface DiffBlock { label: string; rows: DiffRow[] }
export interface DiffRow {
  kind: 'same' | 'added' | 'removed' | 'changed';
  oldNum?: string; newNum?: string; // step numbers ("2", "2.1")
  old?: any; new?: any;
  fields: FieldChange[];
  blocks: DiffBlock[];
}
export interface DefDiff { fields: FieldChange[]; steps: DiffRow[]; counts: { added: number; removed: number; changed: number } }

/** canon is JSON with sorted keys: equal values, equal texts. */
export function canon(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, x[k]])) : x)) ?? 'undefined';
}

type Blocks = (type: string) => { name: string; kind: string }[];

/** blocksOf reads the fields holding nested steps from the catalogue. */
export const blocksOf = (cat: Catalogue | null): Blocks => (type) => (cat ? cat.blockFields(type) : []);

const identity = (s: any) => (s && typeof s === 'object' ? String(s.name ?? s.as ?? s.table ?? s.function ?? '') : '');

function fieldChanges(a: any, b: any, skip: Set<string>): FieldChange[] {
  const keys = [...new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])].filter((k) => !skip.has(k));
  const out: FieldChange[] = [];
  for (const k of keys) if (canon(a?.[k]) !== canon(b?.[k])) out.push({ name: k, old: a?.[k], new: b?.[k] });
  return out;
}

function diffList(a: any[], b: any[], blocks: Blocks, pa: string, pb: string): DiffRow[] {
  const ca = a.map(canon), cb = b.map(canon);
  const n = a.length, m = b.length;
  // lcs[i][j]: the longest run of equal steps common to a[i:] and b[j:]
  const lcs = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = ca[i] === cb[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const rows: DiffRow[] = [];
  const num = (p: string, i: number) => (p ? `${p}.${i + 1}` : String(i + 1));
  let i = 0, j = 0;
  const gapA: number[] = [], gapB: number[] = [];
  const flush = () => {
    // pair removed and added steps of a gap, in order, by type (and name)
    let from = 0;
    for (const ia of gapA) {
      const sa = a[ia];
      let pick = gapB.findIndex((ib, k) => k >= from && b[ib]?.type === sa?.type && identity(b[ib]) === identity(sa));
      if (pick < 0) pick = gapB.findIndex((ib, k) => k >= from && b[ib]?.type === sa?.type);
      if (pick < 0) {
        rows.push({ kind: 'removed', oldNum: num(pa, ia), old: sa, fields: [], blocks: [] });
        continue;
      }
      for (; from < pick; from++) rows.push({ kind: 'added', newNum: num(pb, gapB[from]), new: b[gapB[from]], fields: [], blocks: [] });
      const ib = gapB[pick];
      from = pick + 1;
      rows.push(changed(sa, b[ib], blocks, num(pa, ia), num(pb, ib)));
    }
    for (; from < gapB.length; from++) rows.push({ kind: 'added', newNum: num(pb, gapB[from]), new: b[gapB[from]], fields: [], blocks: [] });
    gapA.length = 0;
    gapB.length = 0;
  };
  while (i < n || j < m) {
    if (i < n && j < m && ca[i] === cb[j]) {
      flush();
      rows.push({ kind: 'same', oldNum: num(pa, i), newNum: num(pb, j), old: a[i], new: b[j], fields: [], blocks: [] });
      i++, j++;
    } else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) gapA.push(i++);
    else gapB.push(j++);
  }
  flush();
  return rows;
}

function changed(a: any, b: any, blocks: Blocks, na: string, nb: string): DiffRow {
  const bf = blocks(a.type);
  const skip = new Set(['type', ...bf.map((f) => f.name)]);
  const row: DiffRow = { kind: 'changed', oldNum: na, newNum: nb, old: a, new: b, fields: fieldChanges(a, b, skip), blocks: [] };
  for (const f of bf) {
    const x = a[f.name], y = b[f.name];
    if (canon(x) === canon(y)) continue;
    if (f.kind === 'steps') {
      row.blocks.push({ label: f.name, rows: diffList(Array.isArray(x) ? x : [], Array.isArray(y) ? y : [], blocks, na, nb) });
      continue;
    }
    // cases: each case by its place; its match is a field, its steps a block
    const xs: any[] = Array.isArray(x) ? x : [], ys: any[] = Array.isArray(y) ? y : [];
    for (let k = 0; k < Math.max(xs.length, ys.length); k++) {
      const cx = xs[k], cy = ys[k];
      if (canon(cx) === canon(cy)) continue;
      if (canon(cx?.match) !== canon(cy?.match)) row.fields.push({ name: `${f.name}[${k}].match`, old: cx?.match, new: cy?.match });
      row.blocks.push({ label: `case ${cy?.match ?? cx?.match ?? k + 1}`, rows: diffList(cx?.steps ?? [], cy?.steps ?? [], blocks, na, nb) });
    }
  }
  return row;
}

/** diffDefinitions compares two definitions: their other fields, and their stacks step by step. */
export function diffDefinitions(a: any, b: any, cat: Catalogue | null): DefDiff {
  const steps = diffList(a?.stack ?? [], b?.stack ?? [], blocksOf(cat), '', '');
  const counts = { added: 0, removed: 0, changed: 0 };
  const count = (rows: DiffRow[]) => rows.forEach((r) => {
    if (r.kind === 'added') counts.added++;
    else if (r.kind === 'removed') counts.removed++;
    else if (r.kind === 'changed') {
      if (r.fields.length || !r.blocks.length) counts.changed++;
      r.blocks.forEach((bl) => count(bl.rows));
    }
  });
  count(steps);
  return { fields: fieldChanges(a, b, new Set(['stack'])), steps, counts };
}

const MAIN = ['value', 'cond', 'function', 'table', 'url', 'message', 'ids', 'from', 'items', 'expr', 'match', 'ms', 'where', 'id'];

/** summary is a one-line reading of a step: var total = 0; db.get product → p. */
export function summary(step: any): string {
  if (!step || typeof step !== 'object') return String(step);
  const parts: string[] = [step.type];
  const name = typeof step.name === 'string' ? step.name : '';
  if (name) parts.push(name);
  const main = MAIN.find((k) => typeof step[k] === 'string' && step[k] !== '');
  if (main) parts.push(name ? `= ${step[main]}` : step[main]);
  if (typeof step.to === 'string' && main === 'from') parts.push(`to ${step.to}`);
  if (typeof step.as === 'string' && step.as) parts.push(`→ ${step.as}`);
  if (step.disabled) parts.push('(disabled)');
  return parts.join(' ');
}

/** show writes a field's value for a person: texts as they are, the rest as indented JSON. */
export function show(v: unknown): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  return JSON.stringify(v, null, 2);
}
