// The compact stack: one line per step, written from the catalogue's
// summary template, nested blocks indented and foldable, a search within
// the stack; the selected step's whole form is in the side panel
// (StepPanel). Keyboard: ↑/↓ move, →/← unfold/fold (or go to the parent),
// Enter edits in the panel, Esc there comes back here.
import { memo, useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { Diagnostic } from './api';
import { Catalogue, diagStore, getAt, namesInScope, segsOf, type Step } from './doc';
import { AddStep, categoryColor, Env, fmtMs, runMarks, StepCard } from './StackEditor';
import { summarize, summaryText, type SumPart } from './summary';
import { Icon } from './icons';
import { lastRun, StepData } from './Inspector';

export interface Row {
  kind: 'step' | 'label' | 'add';
  key: string;
  depth: number;
  path: string; // the step's path; for a label or an add row, its list's path
  num?: number; // the step's number, counted down the whole stack
  step?: Step;
  index?: number;
  hasBlocks?: boolean;
  dim?: boolean; // shown only because a step inside it matches the search
  label?: string;
}

/** flatten lists the rows to show: steps in order, blocks unless folded; with a search, the matches and what holds them. */
export function flatten(cat: Catalogue, stack: Step[], collapsed: Set<string>, q: string): { rows: Row[]; matches: number } {
  const rows: Row[] = [];
  let num = 0;
  let matches = 0;
  const needle = q.trim().toLowerCase();
  const hit = (s: Step) => {
    if (!needle) return true;
    const t = cat.byType.get(s.type);
    return summaryText(t, s).toLowerCase().includes(needle) || (t?.title ?? '').toLowerCase().includes(needle) || String(s.description ?? '').toLowerCase().includes(needle);
  };
  const walk = (list: Step[], listPath: string, depth: number): boolean => {
    let any = false;
    list.forEach((s, i) => {
      if (!s) return;
      const path = `${listPath}[${i}]`;
      const blocks = cat.blockFields(s.type);
      const before = rows.length;
      const self = hit(s);
      if (needle && self) matches++;
      rows.push({ kind: 'step', key: s.__id, depth, path, num: ++num, step: s, index: i, hasBlocks: blocks.length > 0, dim: !!needle && !self });
      let inner = false;
      const open = needle || !collapsed.has(s.__id);
      for (const b of blocks) {
        const v = s[b.name];
        if (b.kind === 'steps') {
          const l: Step[] = Array.isArray(v) ? v : [];
          if (!open) { num += countIn(cat, l); continue; }
          if (!l.length && !b.required) continue; // an empty optional block is added to from the panel
          const at = rows.length;
          if (blocks.length > 1) rows.push({ kind: 'label', key: `${s.__id}.${b.name}`, depth: depth + 1, path: `${path}.${b.name}`, label: b.name });
          const m = walk(l, `${path}.${b.name}`, depth + 1);
          if (!l.length && !needle) rows.push({ kind: 'add', key: `${s.__id}.${b.name}+`, depth: depth + 1, path: `${path}.${b.name}`, index: 0, label: b.name });
          if (needle && !m) rows.length = at;
          inner ||= m;
        } else {
          const cases: any[] = Array.isArray(v) ? v : [];
          cases.forEach((c, ci) => {
            const l: Step[] = Array.isArray(c?.steps) ? c.steps : [];
            if (!open) { num += countIn(cat, l); return; }
            const lp = `${path}.${b.name}[${ci}].steps`;
            const at = rows.length;
            rows.push({ kind: 'label', key: `${s.__id}.${b.name}.${ci}`, depth: depth + 1, path: lp, label: `when ${c?.match || '…'}` });
            const m = walk(l, lp, depth + 1);
            if (!l.length && !needle) rows.push({ kind: 'add', key: `${s.__id}.${b.name}.${ci}+`, depth: depth + 1, path: lp, index: 0, label: `case ${ci + 1}` });
            if (needle && !m) rows.length = at;
            inner ||= m;
          });
        }
      }
      if (needle && !self && !inner) rows.length = before;
      any ||= self || inner;
    });
    return any;
  };
  walk(stack, 'stack', 0);
  if (!needle) rows.push({ kind: 'add', key: 'stack+', depth: 0, path: 'stack', index: stack.length });
  return { rows, matches };
}

function countIn(cat: Catalogue, list: Step[]): number {
  let n = 0;
  for (const s of list) {
    if (!s) continue;
    n++;
    for (const b of cat.blockFields(s.type)) {
      const v = s[b.name];
      if (!Array.isArray(v)) continue;
      if (b.kind === 'steps') n += countIn(cat, v);
      else for (const c of v) if (Array.isArray(c?.steps)) n += countIn(cat, c.steps);
    }
  }
  return n;
}

/** stepPathOf is the path of the step a diagnostic's path points into ("stack[2].steps[0].by.sku" → "stack[2].steps[0]"). */
export function stepPathOf(def: any, path: string): string | null {
  const segs = segsOf(path);
  let best: string | null = null;
  for (let i = 1; i <= segs.length; i++) {
    if (typeof segs[i - 1] !== 'number') continue;
    const v = getAt(def, segs.slice(0, i));
    if (v && typeof v === 'object' && typeof v.type === 'string') best = pathFrom(segs.slice(0, i));
  }
  return best;
}
const pathFrom = (segs: (string | number)[]) => segs.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${p}` : p), '');

/** ancestorsOf are the ids of the steps holding the step at path. */
export function ancestorsOf(def: any, path: string): string[] {
  const segs = segsOf(path);
  const out: string[] = [];
  for (let i = 1; i < segs.length; i++) {
    if (typeof segs[i - 1] !== 'number') continue;
    const v = getAt(def, segs.slice(0, i));
    if (v && typeof v === 'object' && v.__id) out.push(v.__id);
  }
  return out;
}

export interface CompactProps {
  stack: Step[];
  selected: string | null;
  onSelect: (id: string | null, edit?: boolean) => void;
  collapsed: Set<string>;
  setCollapsed: (f: (c: Set<string>) => Set<string>) => void;
}

export function CompactStack({ stack, selected, onSelect, collapsed, setCollapsed }: CompactProps) {
  const env = useContext(Env);
  const [q, setQ] = useState('');
  const { rows, matches } = useMemo(() => flatten(env.cat, stack, collapsed, q), [env.cat, stack, collapsed, q]);
  const list = useRef<HTMLDivElement>(null);
  const stepRows = rows.filter((r) => r.kind === 'step');
  const blockIds = useMemo(() => allBlockIds(env.cat, stack), [env.cat, stack]);
  const toggle = (id: string) => setCollapsed((c) => { const n = new Set(c); if (n.has(id)) n.delete(id); else n.add(id); return n; });
  const focusRow = (id: string) => requestAnimationFrame(() => (list.current?.querySelector(`[data-step-id="${id}"] .row-main`) as HTMLElement | null)?.focus());
  const go = (id: string | undefined) => { if (id) (onSelect(id), focusRow(id)); };

  const onKey = (e: React.KeyboardEvent) => {
    const t = e.target as HTMLElement;
    if (!t.classList.contains('row-main')) return;
    const i = stepRows.findIndex((r) => r.step!.__id === selected);
    const cur = stepRows[i];
    switch (e.key) {
      case 'ArrowDown': e.preventDefault(); go(stepRows[Math.min(i + 1, stepRows.length - 1)]?.step!.__id ?? stepRows[0]?.step!.__id); break;
      case 'ArrowUp': e.preventDefault(); go(stepRows[Math.max(i - 1, 0)]?.step!.__id); break;
      case 'Home': e.preventDefault(); go(stepRows[0]?.step!.__id); break;
      case 'End': e.preventDefault(); go(stepRows[stepRows.length - 1]?.step!.__id); break;
      case 'ArrowRight': if (cur?.hasBlocks && collapsed.has(cur.step!.__id)) (e.preventDefault(), toggle(cur.step!.__id)); break;
      case 'ArrowLeft': {
        e.preventDefault();
        if (cur?.hasBlocks && !collapsed.has(cur.step!.__id)) toggle(cur.step!.__id);
        else if (cur) go(ancestorsOf(env.defRef.current.def, cur.path).pop());
        break;
      }
      case 'Enter': e.preventDefault(); if (cur) onSelect(cur.step!.__id, true); break;
      case 'Escape': e.preventDefault(); onSelect(null); break;
    }
  };

  return (
    <div className="compact">
      <div className="compact-bar">
        <label className="compact-search">
          <Icon name="search" size={14} />
          <input type="search" aria-label="Search steps" placeholder="Search steps…" value={q} onChange={(e) => setQ(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') { e.preventDefault(); go(stepRows.find((r) => !r.dim)?.step!.__id); }
              if (e.key === 'Escape') setQ('');
            }} />
        </label>
        {q ? <span className="muted small" data-testid="search-count">{matches} match{matches === 1 ? '' : 'es'}</span> : null}
        <span className="spacer" />
        <button type="button" className="link small" onClick={() => setCollapsed(() => new Set(blockIds))} disabled={!blockIds.length}>Collapse all</button>
        <button type="button" className="link small" onClick={() => setCollapsed(() => new Set())} disabled={!collapsed.size}>Expand all</button>
      </div>
      <div ref={list} className="compact-list" role="list" aria-label="Steps" onKeyDown={onKey}>
        {rows.map((r) => r.kind === 'step'
          ? <StepRow key={r.key} row={r} sel={r.step!.__id === selected} focusable={r.step!.__id === selected || (!selected && r === stepRows[0])}
              folded={collapsed.has(r.step!.__id) && !q} onSelect={onSelect} onToggle={toggle}
              onReveal={(path) => revealIn(env.defRef.current.def, path, setCollapsed, onSelect)} />
          : r.kind === 'label'
            ? <div key={r.key} role="listitem" className="row-label" style={{ paddingLeft: indent(r.depth) }} data-list-label={r.path}>{r.label}</div>
            : <div key={r.key} role="listitem" className="row-add" style={{ paddingLeft: indent(r.depth) }} data-add-row={r.path}>
                <AddStep listPath={r.path} index={r.index!} label={r.path === 'stack' ? undefined : r.label} />
              </div>)}
        {q && !matches ? <div className="muted pad" role="listitem">no step matches “{q}”</div> : null}
      </div>
    </div>
  );
}

const indent = (depth: number) => 6 + depth * 18;

function allBlockIds(cat: Catalogue, list: Step[], out: string[] = []): string[] {
  for (const s of list) {
    if (!s) continue;
    const bs = cat.blockFields(s.type);
    if (bs.length) out.push(s.__id);
    for (const b of bs) {
      const v = s[b.name];
      if (!Array.isArray(v)) continue;
      if (b.kind === 'steps') allBlockIds(cat, v, out);
      else for (const c of v) if (Array.isArray(c?.steps)) allBlockIds(cat, c.steps, out);
    }
  }
  return out;
}

/** revealIn unfolds the blocks holding the step a path points into and selects it. */
export function revealIn(def: any, path: string, setCollapsed: CompactProps['setCollapsed'], onSelect: CompactProps['onSelect']) {
  const sp = stepPathOf(def, path);
  if (!sp) return;
  const anc = ancestorsOf(def, sp);
  const step = getAt(def, segsOf(sp));
  setCollapsed((c) => {
    if (!anc.some((a) => c.has(a)) && !c.has(step.__id)) return c;
    const n = new Set(c);
    anc.forEach((a) => n.delete(a));
    if (sp !== path) n.delete(step.__id);
    return n;
  });
  onSelect(step.__id);
  requestAnimationFrame(() => {
    const el = document.querySelector(`[data-step-id="${step.__id}"] .row-main`) as HTMLElement | null;
    el?.scrollIntoView({ block: 'nearest' });
    el?.focus();
  });
}

interface RowProps { row: Row; sel: boolean; focusable: boolean; folded: boolean; onSelect: CompactProps['onSelect']; onToggle: (id: string) => void; onReveal: (path: string) => void }

const StepRow = memo(function StepRow({ row, sel, focusable, folded, onSelect, onToggle, onReveal }: RowProps) {
  const env = useContext(Env);
  const step = row.step!;
  const t = env.cat.byType.get(step.type);
  const mark = useSyncExternalStore(runMarks.subscribe, () => runMarks.get(row.path));
  const stale = useSyncExternalStore(runMarks.subscribe, runMarks.isStale);
  const under = useSyncExternalStore(diagStore.subscribe, () => diagStore.under(row.path));
  const errs = under.filter((d) => d.severity !== 'warning');
  const own = errs.filter((d) => ownDiag(env.cat, step, row.path, d));
  const inner = errs.length - own.length;
  const [hot, setHot] = useState(false); // the row's buttons render once it is hovered or selected (a 500-step stack opens faster)
  const parts = summarize(t, step);
  const text = parts.map((p) => p.text).join('');
  const cls = ['row', sel ? 'sel' : '', step.disabled ? 'disabled' : '', own.length ? 'has-error' : '', row.dim ? 'dim' : '',
    mark?.failed ? (mark.caught ? 'caught' : 'failed') : ''].filter(Boolean).join(' ');
  return (
    <div role="listitem" className={cls} data-row={row.path} data-step-id={step.__id} data-type={step.type} onMouseEnter={hot ? undefined : () => setHot(true)}
      style={{ paddingLeft: indent(row.depth), ['--cat' as any]: categoryColor(t?.category ?? '') }}>
      {row.hasBlocks
        ? <button type="button" className="row-caret" tabIndex={-1} aria-label={`${folded ? 'Expand' : 'Collapse'} step ${row.num}`} aria-expanded={!folded} onClick={() => onToggle(step.__id)}>
            <Icon name={folded ? 'right' : 'expand'} size={13} />
          </button>
        : <span className="row-caret-space" />}
      <button type="button" className="row-main" tabIndex={focusable ? 0 : -1} aria-pressed={sel}
        title={`${t?.title ?? step.type}${step.description ? ` — ${step.description}` : ''}\n${text}`}
        onClick={() => onSelect(step.__id)} onDoubleClick={() => onSelect(step.__id, true)}>
        <span className="row-num"><span className="sr-only">step </span>{row.num}<span className="sr-only">: </span></span>
        <Summary parts={parts} />
        {step.disabled ? <span className="sr-only"> (disabled)</span> : null}
        {own.length ? <span className="sr-only">, {own.length} error{own.length > 1 ? 's' : ''}</span> : null}
        {step.description ? <span className="row-desc">{step.description}</span> : null}
      </button>
      {own.length ? <button type="button" className="row-err" tabIndex={-1} title={own[0].message} aria-label={`Show the error of step ${row.num}: ${own[0].message}`}
        onClick={() => onSelect(step.__id, true)}>!</button> : null}
      {folded && inner ? <button type="button" className="row-err inner" tabIndex={-1} aria-label={`${inner} error${inner > 1 ? 's' : ''} inside step ${row.num}: show`}
        title={errs.find((d) => !own.includes(d))?.message} onClick={() => onReveal(errs.find((d) => !own.includes(d))!.path)}>{inner} inside</button> : null}
      {mark ? <span className={`row-time${mark.failed ? (mark.caught ? ' caught' : ' bad') : ''}${stale ? ' stale' : ''}`} title={stale ? 'from the last run, before your edits' : 'time in the last run'}>
        {mark.failed ? (mark.caught ? 'caught · ' : 'failed · ') : ''}{fmtMs(mark.ms)}</span> : null}
      {hot || sel ? <span className="row-actions">
        <AddStep listPath={row.path.slice(0, row.path.lastIndexOf('['))} index={row.index! + 1} after={row.num} />
      </span> : null}
    </div>
  );
}, (a, b) => a.sel === b.sel && a.focusable === b.focusable && a.folded === b.folded && a.row.step === b.row.step && a.row.path === b.row.path &&
  a.row.num === b.row.num && a.row.depth === b.row.depth && a.row.dim === b.row.dim && a.onSelect === b.onSelect);

/** ownDiag says whether a diagnostic is about the step itself, not a step inside one of its blocks. */
function ownDiag(cat: Catalogue, step: Step, path: string, d: Diagnostic) {
  if (d.path === path) return true;
  const rest = d.path.slice(path.length);
  const m = /^\.([a-z_]+)(\[\d+\])?(\.steps)?\[/.exec(rest);
  if (!m) return true;
  return !cat.blockFields(step.type).some((b) => b.name === m[1]);
}

function Summary({ parts }: { parts: SumPart[] }) {
  return (
    <span className="row-sum">
      {parts.map((p, i) => {
        if (p.field) return <span key={i} className={`sv sv-${p.kind ?? 'text'}`}>{p.text}</span>;
        if (i > 0) return p.text;
        const w = p.text.split(' ')[0]; // the summary starts with the type's name
        return <span key={i}><span className="sv-type">{w}</span>{p.text.slice(w.length)}</span>;
      })}
    </span>
  );
}

/** StepPanel is the side panel with the selected step's whole form. */
export function StepPanel({ id, onClose, onLeave, focusKey }: { id: string; onClose: () => void; onLeave: () => void; focusKey: number }) {
  const env = useContext(Env);
  const box = useRef<HTMLElement>(null);
  const f = findPath(env, id);
  useEffect(() => {
    if (!focusKey) return;
    requestAnimationFrame(() => {
      const el = box.current?.querySelector('.fields input, .fields select, .fields .expr, .fields textarea') as HTMLElement | null;
      el?.focus();
    });
  }, [focusKey]);
  const ran = useSyncExternalStore(lastRun.subscribe, () => (f ? lastRun.at(f.path) : undefined));
  const stale = useSyncExternalStore(runMarks.subscribe, runMarks.isStale);
  useEffect(() => { if (f) lastRun.pick(f.path); }, [f?.path]);
  if (!f) return null;
  const t = env.cat.byType.get(f.step.type);
  return (
    <aside ref={box} className="side-panel step-panel" aria-label="Step" onKeyDown={(e) => {
      if (e.key === 'Escape' && !e.defaultPrevented) (e.preventDefault(), onLeave());
    }}>
      <div className="panel-head">
        <h2><span className="cat-dot" style={{ background: categoryColor(t?.category ?? '') }} />{t?.title ?? f.step.type}</h2>
        <button type="button" className="icon-btn" aria-label="Close step panel" onClick={onClose}><Icon name="x" /></button>
      </div>
      {t?.description ? <p className="muted small step-help">{t.description}</p> : null}
      <StepCard key={f.step.__id} step={f.step} path={f.path} index={f.index} count={f.count} bare />
      {ran ? (
        <section className="last-run" aria-label="Last run of this step">
          <h3 className="section-title">Last run{stale ? <span className="badge st-unsaved">before your edits</span> : null}</h3>
          <StepData entry={ran} inScope={namesInScope(env.cat, env.defRef.current.def, f.path)} />
        </section>
      ) : null}
    </aside>
  );
}

function findPath(env: { cat: Catalogue; defRef: { current: { def: any } } }, id: string) {
  let res: { path: string; step: Step; index: number; count: number } | null = null;
  const walk = (list: any[], lp: string) => {
    list.forEach((s, i) => {
      if (res || !s) return;
      const p = `${lp}[${i}]`;
      if (s.__id === id) res = { path: p, step: s, index: i, count: list.length };
      else for (const b of env.cat.blockFields(s.type)) {
        const v = s[b.name];
        if (!Array.isArray(v)) continue;
        if (b.kind === 'steps') walk(v, `${p}.${b.name}`);
        else v.forEach((c: any, ci: number) => Array.isArray(c?.steps) && walk(c.steps, `${p}.${b.name}[${ci}].steps`));
      }
    });
  };
  walk(env.defRef.current.def.stack ?? [], 'stack');
  return res as { path: string; step: Step; index: number; count: number } | null;
}
