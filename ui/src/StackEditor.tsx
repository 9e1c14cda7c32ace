// The stack: step cards with nested blocks, built from the step catalogue
// alone. Drag a card by its handle to move it (also into and out of
// blocks); every form field comes from the catalogue's field kinds.
import { createContext, memo, useCallback, useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { createPortal, flushSync } from 'react-dom';
import {
  DndContext, DragOverlay, MeasuringStrategy, PointerSensor, useDraggable, useDroppable, useSensor, useSensors,
  type CollisionDetection, type DragEndEvent, type DragMoveEvent, type DragStartEvent, pointerWithin, rectIntersection,
} from '@dnd-kit/core';
import type { CatalogueField, Definition, DefSummary, StepType, TableInfo } from './api';
import { Catalogue, cloneStep, diagStore, find, getAt, insertAt, move, removeAt, scopeAt, segsOf, setAt, type Seg, type Step } from './doc';
import { ValueField, TemplateField } from './ValueField';
import { ExprField } from './ExprField';
import { quote } from './modes';
import { Icon } from './icons';
import { ExprPreview, lastRun } from './Inspector';

export interface EditorEnv {
  cat: Catalogue;
  defRef: { current: { def: Definition } };
  update: (f: (d: Definition) => Definition, key?: string | null) => void;
  functions: DefSummary[];
  tables: TableInfo[];
  calleeInputs: (name: string) => any[] | undefined;
  openDefinition: (name: string) => void;
  /** onStepAdded is told the id of a step just added (the compact view selects it). */
  onStepAdded?: (id: string) => void;
}
export const Env = createContext<EditorEnv>(null as any);

/** runStore marks steps with the last run's timing and failure, by path. */
export interface RunMark { path: string; ms: number; failed: boolean; caught?: boolean; selected?: boolean }
class MarkStore {
  private m = new Map<string, RunMark>();
  private subs = new Set<() => void>();
  private stale = false;
  /** ranOn is the document the last run ran (an edit after it makes the marks stale). */
  ranOn: unknown = null;
  set(marks: RunMark[], ranOn: unknown = null) {
    this.m = new Map(marks.map((x) => [x.path, x]));
    if (ranOn !== this.ranOn) this.stale = false; // a new run; the same run marked again stays stale
    this.ranOn = ranOn;
    this.subs.forEach((f) => f());
  }
  setStale(v: boolean) {
    if (v === this.stale) return;
    this.stale = v;
    this.subs.forEach((f) => f());
  }
  isStale = () => this.stale;
  get = (p: string) => this.m.get(p);
  subscribe = (f: () => void) => (this.subs.add(f), () => void this.subs.delete(f));
}
export const runMarks = new MarkStore();

/** dropStore shows where a dragged step would land. */
class DropStore {
  target: { id: string; where: 'before' | 'after' | 'end' } | null = null;
  private subs = new Set<() => void>();
  set(t: DropStore['target']) {
    if (t?.id === this.target?.id && t?.where === this.target?.where) return;
    this.target = t;
    this.subs.forEach((f) => f());
  }
  where = (id: string) => (this.target?.id === id ? this.target.where : null);
  subscribe = (f: () => void) => (this.subs.add(f), () => void this.subs.delete(f));
}
const drops = new DropStore();

/** dragging tells cards whether a drag is on: only then do they register as drop targets. */
class Flag {
  on = false;
  private subs = new Set<() => void>();
  set(v: boolean) { if (v !== this.on) { this.on = v; this.subs.forEach((f) => f()); } }
  get = () => this.on;
  subscribe = (f: () => void) => (this.subs.add(f), () => void this.subs.delete(f));
}
const dragOn = new Flag();

// A card registers as a drop target only while a drag is on (a 500-step
// stack mounts without 500 droppable registrations, each a dnd-kit state
// update); its handle is always a draggable (a plain map entry).
function DropTarget({ id, el }: { id: string; el: { current: HTMLElement | null } }) {
  const { setNodeRef } = useDroppable({ id });
  useEffect(() => { setNodeRef(el.current); return () => setNodeRef(null); }, [el, setNodeRef]);
  return null;
}
function DragHandle({ id, el, label }: { id: string; el: { current: HTMLElement | null }; label: string }) {
  const { setNodeRef, listeners, attributes, isDragging } = useDraggable({ id });
  useEffect(() => { setNodeRef(el.current); return () => setNodeRef(null); }, [el, setNodeRef]);
  useEffect(() => { el.current?.classList.toggle('dragging', isDragging); }, [el, isDragging]);
  return (
    <button type="button" className="handle" aria-label={label} title="Drag to move" {...listeners} {...attributes}>
      <Icon name="grip" />
    </button>
  );
}

const CATEGORY_COLORS: Record<string, string> = {
  variables: '#4f46e5', control: '#b45309', loops: '#047857', functions: '#7c3aed', database: '#0369a1', utility: '#475569', auth: '#b91c1c',
};
export const categoryColor = (c: string) => CATEGORY_COLORS[c] ?? '#64748b';

// the smallest droppable under the pointer wins: a card inside a block beats the block
const collide: CollisionDetection = (args) => {
  const hits = pointerWithin(args);
  const list = hits.length ? hits : rectIntersection(args);
  const area = (id: any) => {
    const r = args.droppableRects.get(id);
    return r ? r.width * r.height : Infinity;
  };
  return list.filter((h) => h.id !== args.active.id).sort((a, b) => area(a.id) - area(b.id)).slice(0, 1);
};

// The stack list reaches the root StepList through its own context, so that
// the DndContext (and every draggable under it) does not re-render on each
// keystroke: only the cards along the edited path do.
const RootList = createContext<Step[]>([]);
export function StackEditor({ list }: { list: Step[] }) {
  return <RootList.Provider value={list}><Dnd /></RootList.Provider>;
}
function RootStepList() {
  return <StepList list={useContext(RootList)} path="stack" />;
}

const Dnd = memo(function Dnd() {
  const env = useContext(Env);
  const sensors = useSensors(useSensor(PointerSensor, { activationConstraint: { distance: 4 } }));
  const [dragging, setDragging] = useState<Step | null>(null);

  const whereOf = (e: DragMoveEvent | DragEndEvent) => {
    const over = e.over;
    if (!over) return null;
    const id = String(over.id);
    if (id.startsWith('list|')) return { id, where: 'end' as const };
    const a = e.active.rect.current.translated;
    const mid = over.rect.top + over.rect.height / 2;
    const y = a ? a.top + Math.min(a.height, 40) / 2 : mid;
    return { id, where: y < mid ? ('before' as const) : ('after' as const) };
  };
  const onStart = (e: DragStartEvent) => {
    dragOn.set(true);
    const f = find(env.cat, env.defRef.current.def, String(e.active.id));
    setDragging(f?.step ?? null);
  };
  const onMove = (e: DragMoveEvent) => drops.set(whereOf(e));
  const onEnd = (e: DragEndEvent) => {
    const t = whereOf(e);
    drops.set(null);
    dragOn.set(false);
    setDragging(null);
    if (!t) return;
    const id = String(e.active.id);
    env.update((d) => {
      if (t.where === 'end') {
        const segs = segsOf(t.id.slice(5));
        return move(env.cat, d, id, segs, (getAt(d, segs) ?? []).length);
      }
      const over = find(env.cat, d, t.id);
      if (!over) return d;
      return move(env.cat, d, id, over.listSegs, over.index + (t.where === 'after' ? 1 : 0));
    });
  };

  return (
    <DndContext sensors={sensors} collisionDetection={collide} onDragStart={onStart} onDragMove={onMove} onDragEnd={onEnd}
      onDragCancel={() => (drops.set(null), dragOn.set(false), setDragging(null))}
      measuring={{ droppable: { strategy: MeasuringStrategy.Always } }}
      autoScroll={{ threshold: { x: 0, y: 0.08 }, acceleration: 6 }}>
      <RootStepList />
      <DragOverlay dropAnimation={null}>
        {dragging ? <div className="card drag-ghost"><span className="step-type">{dragging.type}</span> {summary(env.cat, dragging)}</div> : null}
      </DragOverlay>
    </DndContext>
  );
});

const StepList = memo(function StepList({ list, path, label }: { list: Step[]; path: string; label?: string }) {
  const el = useRef<HTMLDivElement>(null);
  const on = useSyncExternalStore(dragOn.subscribe, dragOn.get);
  const endMark = useSyncExternalStore(drops.subscribe, () => drops.where(`list|${path}`));
  return (
    <div className="step-list" data-list={path}>
      {list.map((s, i) => (s ? <StepCard key={s.__id} step={s} path={`${path}[${i}]`} index={i} count={list.length} /> : null))}
      <div ref={el} className={`list-end${endMark ? ' drop-here' : ''}${list.length ? '' : ' empty'}`}>
        {on ? <DropTarget id={`list|${path}`} el={el} /> : null}
        <AddStep listPath={path} index={list.length} label={label} />
      </div>
    </div>
  );
});

function summary(cat: Catalogue, s: Step): string {
  const bits: string[] = [];
  for (const f of cat.fields(s.type)) {
    const v = s[f.name];
    if ((f.kind === 'name' || f.kind === 'function' || f.kind === 'table') && typeof v === 'string' && v) bits.push(f.kind === 'name' ? v : v);
  }
  return bits.join(' · ');
}

// A step's whole form: a card in the stack (the forms view), or, bare, the
// form in the compact view's side panel (no drag handle; its blocks are
// rows of the compact stack, here only their step counts and Add buttons).
export const StepCard = memo(function StepCard({ step, path, index, count, bare }: { step: Step; path: string; index: number; count: number; bare?: boolean }) {
  const env = useContext(Env);
  const t = env.cat.byType.get(step.type);
  const [collapsed, setCollapsed] = useState(false);
  const [hot, setHot] = useState(!!bare); // the actions render once the card is hovered or focused (a 500-step stack opens faster)
  const el = useRef<HTMLDivElement>(null);
  const on = useSyncExternalStore(dragOn.subscribe, dragOn.get);
  const dropWhere = useSyncExternalStore(drops.subscribe, () => drops.where(step.__id));
  const mark = useSyncExternalStore(runMarks.subscribe, () => runMarks.get(path));
  const stepDiags = useSyncExternalStore(diagStore.subscribe, () => diagStore.at(path));
  const anyDiags = useSyncExternalStore(diagStore.subscribe, () => diagStore.under(path));
  const segs = useMemo(() => segsOf(path), [path]);
  const listSegs = segs.slice(0, -1);

  const set = (name: string, v: unknown) => env.update((d) => setAt(d, [...segs, name], v), `${step.__id}.${name}`);
  const fields = t?.fields ?? [];
  const [revealed, setRevealed] = useState<string | null>(null);
  // optional fields left empty stay out of the way as "+ name" chips
  const all = fields.filter((f) => f.kind !== 'steps' && f.kind !== 'cases');
  const seen = useRef(new Set<string>()); // a field shown once stays while it is edited, even emptied
  const plain = all.filter((f) => f.required || f.kind === 'bool' || !isEmpty(step[f.name]) || revealed === f.name || seen.current.has(f.name));
  for (const f of plain) seen.current.add(f.name);
  const more = all.filter((f) => !plain.includes(f));
  const blocks = fields.filter((f) => f.kind === 'steps' || f.kind === 'cases');
  const color = categoryColor(t?.category ?? '');
  const hasErr = anyDiags.some((d) => d.severity !== 'warning');
  const cls = ['card', step.disabled ? 'disabled' : '', mark?.failed ? (mark.caught ? 'caught' : 'failed') : '', mark?.selected ? 'selected' : '',
    hasErr ? 'has-error' : '', dropWhere ? `drop-${dropWhere}` : ''].filter(Boolean).join(' ');

  // moves for the keyboard (and the card's buttons): up, down, into the
  // block of the step above, out of the enclosing block
  const refocus = () => focusHandle(step.__id);
  // flushSync: the moved card is in the DOM when the key handler returns, so
  // the focus is on it before the next key press.
  const moveTo = (segs: Seg[], i: number) => (flushSync(() => env.update((d) => move(env.cat, d, step.__id, segs, i))), refocus());
  const intoOf = (): Seg[] | null => {
    const prev = index > 0 ? (getAt(env.defRef.current.def, [...listSegs, index - 1]) as Step | undefined) : undefined;
    const b = prev ? env.cat.blockFields(prev.type)[0] : undefined;
    if (!prev || !b) return null;
    if (b.kind === 'steps') return [...listSegs, index - 1, b.name];
    return Array.isArray(prev[b.name]) && prev[b.name].length ? [...listSegs, index - 1, b.name, 0, 'steps'] : null;
  };
  const intoSegs = intoOf();
  const outOf = (() => {
    if (listSegs.length < 3) return null; // the top level
    const cases = listSegs[listSegs.length - 1] === 'steps' && typeof listSegs[listSegs.length - 2] === 'number';
    const parent = listSegs.slice(0, cases ? -3 : -1);
    return { list: parent.slice(0, -1), index: (parent[parent.length - 1] as number) + 1 };
  })();
  const moveInto = () => {
    const to = intoOf();
    if (to) moveTo(to, (getAt(env.defRef.current.def, to) ?? []).length);
  };
  const moveOut = () => { if (outOf) moveTo(outOf.list, outOf.index); };
  const onKey = (e: React.KeyboardEvent) => {
    if (e.target !== e.currentTarget && !(e.target as HTMLElement).classList.contains('handle')) return;
    if (e.altKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
      e.preventDefault();
      const to = e.key === 'ArrowUp' ? index - 1 : index + 2;
      if (to >= 0 && to <= count) moveTo(listSegs, to);
    } else if (e.altKey && e.key === 'ArrowRight') {
      e.preventDefault();
      moveInto();
    } else if (e.altKey && e.key === 'ArrowLeft') {
      e.preventDefault();
      moveOut();
    } else if (e.key === 'Delete' && e.target === e.currentTarget) {
      env.update((d) => removeAt(d, listSegs, index));
    }
  };

  return (
    <div ref={el} className={cls + (bare ? ' bare' : '')} data-path={path} data-step-id={step.__id} data-type={step.type} style={{ ['--cat' as any]: color }} tabIndex={-1} onKeyDown={onKey}
      onMouseEnter={hot ? undefined : () => setHot(true)} onFocus={hot ? undefined : () => setHot(true)}
      role="group" aria-label={`step ${index + 1}: ${step.type}${summary(env.cat, step) ? ' ' + summary(env.cat, step) : ''}`}>
      <div className="card-head">
        {on && !bare ? <DropTarget id={step.__id} el={el} /> : null}
        {bare ? null : <DragHandle id={step.__id} el={el} label={`Drag ${step.type} step (or Alt+arrow keys: up, down, into the block above, out of this block)`} />}
        <span className="step-num">{index + 1}</span>
        <span className="step-type" title={t?.description}>{step.type}</span>
        <span className="step-sum">{summary(env.cat, step)}</span>
        {step.description ? <span className="step-desc">{step.description}</span> : null}
        <span className="spacer" />
        {mark ? <span className={`step-time${mark.failed ? (mark.caught ? ' caught' : ' bad') : ''}`} title="time in the last run">{mark.failed ? (mark.caught ? 'raised, caught · ' : 'failed · ') : ''}{fmtMs(mark.ms)}</span> : null}
        {!t ? <span className="badge bad">unknown step type</span> : null}
        {hot ? <div className="card-actions">
          <IconButton icon="up" label="Move up" disabled={index === 0} onClick={() => env.update((d) => move(env.cat, d, step.__id, listSegs, index - 1))} />
          <IconButton icon="down" label="Move down" disabled={index === count - 1} onClick={() => env.update((d) => move(env.cat, d, step.__id, listSegs, index + 2))} />
          {intoSegs ? <IconButton icon="right" label={`Move into the ${String(getAt(env.defRef.current.def, [...listSegs, index - 1])?.type)} above`} onClick={moveInto} /> : null}
          {outOf ? <IconButton icon="left" label="Move out of this block" onClick={moveOut} /> : null}
          <IconButton icon="copy" label="Duplicate step" onClick={() => env.update((d) => insertAt(d, listSegs, index + 1, cloneStep(env.cat, step)))} />
          <IconButton icon={step.disabled ? 'eye-off' : 'eye'} label={step.disabled ? 'Enable step' : 'Disable step'} pressed={!!step.disabled}
            onClick={() => set('disabled', step.disabled ? undefined : true)} />
          {blocks.length && !bare ? <IconButton icon={collapsed ? 'expand' : 'collapse'} label={collapsed ? 'Expand' : 'Collapse'} onClick={() => setCollapsed(!collapsed)} /> : null}
          <IconButton icon="trash" label="Delete step" onClick={() => env.update((d) => removeAt(d, listSegs, index))} />
        </div> : step.disabled ? <span className="badge">disabled</span> : null}
      </div>
      {stepDiags.length ? <Diags list={stepDiags} /> : null}
      {plain.length ? (
        <div className="fields">
          {plain.map((f) => <Field key={f.name} f={f} step={step} path={path} segs={segs} set={set} autoFocus={revealed === f.name} />)}
        </div>
      ) : null}
      {more.length ? (
        <div className="more-fields">
          {more.map((f) => (
            <button key={f.name} type="button" className="chip add-field" data-add-field={f.name} title={f.description} onClick={() => setRevealed(f.name)}>+ {f.name}</button>
          ))}
        </div>
      ) : null}
      {!collapsed && blocks.map((f) => <Block key={f.name} f={f} step={step} path={path} segs={segs} set={set} bare={bare} />)}
      {collapsed && blocks.length ? <div className="collapsed-note">{blocks.map((b) => b.name).join(', ')} hidden</div> : null}
    </div>
  );
});

export const fmtMs = (ms: number) => (ms < 0.001 ? '<1 µs' : ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : ms < 1000 ? `${ms.toFixed(ms < 10 ? 2 : 1)} ms` : `${(ms / 1000).toFixed(2)} s`);

export function IconButton({ icon, label, onClick, disabled, pressed, className }: { icon: string; label: string; onClick: () => void; disabled?: boolean; pressed?: boolean; className?: string }) {
  return (
    <button type="button" className={`icon-btn ${className ?? ''}`} aria-label={label} title={label} onClick={onClick} disabled={disabled} aria-pressed={pressed}>
      <Icon name={icon} />
    </button>
  );
}

export function Diags({ list }: { list: { message: string; severity: string }[] }) {
  return (
    <div role="alert" className="diags-wrap">
      <ul className="diags">
        {list.map((d, i) => <li key={i} className={d.severity === 'warning' ? 'warn' : 'err'}>{d.message}</li>)}
      </ul>
    </div>
  );
}

interface FieldProps { f: CatalogueField; step: Step; path: string; segs: Seg[]; set: (name: string, v: unknown) => void; autoFocus?: boolean }

function isEmpty(v: unknown) {
  return v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);
}

function useFieldDiags(path: string) {
  return useSyncExternalStore(diagStore.subscribe, () => diagStore.under(path));
}

const Field = memo(function Field({ f, step, path, segs, set, autoFocus }: FieldProps) {
  const env = useContext(Env);
  const fpath = `${path}.${f.name}`;
  const diags = useFieldDiags(fpath);
  const v = step[f.name];
  const id = `f-${step.__id}-${f.name}`;
  const label = f.name;
  // a where (a field reading its table's columns) also completes <table>.<column>, with the columns' types
  const scope = useCallback(() => {
    const names = scopeAt(env.cat, env.defRef.current.def, segs);
    if (!f.columns) return names;
    for (const g of env.cat.fields(step.type)) {
      const t = g.kind === 'table' ? env.tables.find((x) => x.name === step[g.name]) : undefined;
      if (t && !names.some((n) => n.name === t.name)) {
        names.push({ name: t.name, detail: `columns of ${t.name}`, fields: t.columns.map((c) => c.name), types: Object.fromEntries(t.columns.map((c) => [c.name, c.type])) });
      }
    }
    return names;
  }, [env, segs, f.columns, step]);
  const ran = useSyncExternalStore(lastRun.subscribe, () => (f.kind === 'expr' ? lastRun.at(path) : undefined));
  const stale = useSyncExternalStore(runMarks.subscribe, runMarks.isStale);
  let input: React.ReactNode;
  const str = (x: unknown) => (x === undefined || x === null ? '' : String(x));
  switch (f.kind) {
    case 'expr':
      input = <>
        <ValueField id={id} value={str(v)} onChange={(x) => set(f.name, x === '' && !f.required ? undefined : x)} label={label} diagnostics={diags} scope={scope}
          placeholder={f.required ? f.description : 'optional'} autoEdit={autoFocus} expects={f.expects} />
        {ran ? <ExprPreview src={str(v)} vars={ran.vars} stale={stale} /> : null}
      </>;
      break;
    case 'template':
      input = <TemplateField id={id} value={str(v)} label={label} diagnostics={diags} scope={scope} autoFocus={autoFocus}
        placeholder="text, with {{ expression }} parts" onChange={(x) => set(f.name, x === '' && !f.required ? undefined : x)} />;
      break;
    case 'bool':
      input = (
        <label className="switch">
          <input id={id} type="checkbox" checked={!!v} onChange={(e) => set(f.name, e.target.checked ? true : undefined)} />
          <span className="slider" aria-hidden />
          <span className="switch-label">{f.description}</span>
        </label>
      );
      break;
    case 'enum':
      input = (
        <select id={id} value={str(v ?? '')} onChange={(e) => set(f.name, e.target.value || undefined)}>
          {!f.required ? <option value="">{f.default !== undefined ? `default (${f.default})` : '—'}</option> : null}
          {(f.values ?? []).map((x) => <option key={x} value={x}>{x}</option>)}
        </select>
      );
      break;
    case 'int':
      input = <input id={id} autoFocus={autoFocus} type="number" step={1} value={str(v)} placeholder={f.default !== undefined ? String(f.default) : ''}
        onChange={(e) => set(f.name, e.target.value === '' ? undefined : Math.trunc(Number(e.target.value)))} />;
      break;
    case 'string_list': {
      const list = <input id={id} value={Array.isArray(v) ? v.join(', ') : ''} placeholder="a, b, -c"
        onChange={(e) => set(f.name, e.target.value.trim() ? e.target.value.split(',').map((x) => x.trim()).filter((x, i, a) => x || i < a.length - 1) : undefined)} />;
      // a dynamic list (db.query's sort) may instead be one expression giving it
      input = f.dynamic ? <DynamicForm name={f.name} isExpr={typeof v === 'string'} what="List"
        toFields={() => set(f.name, undefined)} toExpr={() => set(f.name, `[${(Array.isArray(v) ? v : []).map((x: string) => quote(x)).join(', ')}]`)}
        fields={list} expr={<ExprField id={id} value={str(v)} onChange={(x) => set(f.name, x || undefined)} label={`${f.name} expression`} diagnostics={diags} scope={scope}
          placeholder="a list, e.g. input.sort" />} value={str(v)} /> : list;
      break;
    }
    case 'function':
      input = <FunctionPicker id={id} value={str(v)} onChange={(x) => set(f.name, x)} />;
      break;
    case 'table':
      input = (
        <select id={id} value={str(v)} onChange={(e) => set(f.name, e.target.value)}>
          <option value="">choose a table…</option>
          {env.tables.map((t) => <option key={t.name} value={t.name}>{t.name}</option>)}
          {v && !env.tables.some((t) => t.name === v) ? <option value={str(v)}>{str(v)}</option> : null}
        </select>
      );
      break;
    case 'expr_map':
      input = <ExprMap f={f} step={step} path={fpath} value={v} set={(x) => set(f.name, x)} scope={scope} />;
      break;
    case 'expr_list':
      input = <ExprList path={fpath} value={Array.isArray(v) ? v : []} set={(x) => set(f.name, x.length ? x : undefined)} scope={scope} label={f.name} />;
      break;
    default: // name, string, duration and kinds this UI does not know: text
      input = <input id={id} autoFocus={autoFocus} value={str(v)} spellCheck={false} placeholder={f.kind === 'duration' ? (f.default ? String(f.default) : '30s') : f.kind === 'name' ? 'name' : ''}
        className={f.kind === 'name' ? 'mono' : ''} aria-invalid={diags.length ? true : undefined}
        onChange={(e) => set(f.name, e.target.value === '' && !f.required ? undefined : e.target.value)} />;
  }
  const wide = f.kind === 'expr_map' || f.kind === 'expr_list' || (f.kind === 'expr' && String(v ?? '').length > 40);
  return (
    <div className={`field k-${f.kind}${wide ? ' wide' : ''}${diags.some((d) => d.severity !== 'warning') ? ' invalid' : ''}`} data-field={f.name}>
      <label htmlFor={id} className="field-label" title={f.description}>{f.name}{f.required ? <span className="req" aria-label="required">*</span> : null}</label>
      <div className="field-input">{input}</div>
      {diags.length && f.kind !== 'expr_map' && f.kind !== 'expr_list' ? <Diags list={diags} /> : null}
    </div>
  );
});

function FunctionPicker({ id, value, onChange }: { id: string; value: string; onChange: (v: string) => void }) {
  const env = useContext(Env);
  const fns = env.functions.filter((d) => d.kind === 'function');
  const inputs = value ? env.calleeInputs(value) : undefined;
  return (
    <div className="fn-picker">
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">choose a function…</option>
        {fns.map((d) => <option key={d.name} value={d.name}>{d.name}</option>)}
        {value && !fns.some((d) => d.name === value) ? <option value={value}>{value}</option> : null}
      </select>
      {value ? (
        <div className="callee">
          {inputs === undefined ? <span className="muted">loading inputs…</span> : inputs.length === 0 ? <span className="muted">takes no input</span> :
            inputs.map((i: any) => <span key={i.name} className="chip" title={i.description}>{i.name}<em>{i.list ? `${i.type}[]` : i.type}</em>{i.required ? '*' : ''}</span>)}
          <button type="button" className="link" onClick={() => env.openDefinition(value)}>open</button>
        </div>
      ) : null}
    </div>
  );
}

/** mapExpr writes a map of expressions as one object expression ({name: input.name, 'a-b': 1}). */
export function mapExpr(obj: Record<string, string>): string {
  const ks = Object.keys(obj);
  if (!ks.length) return '{}';
  return `{${ks.map((k) => `${/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? k : quote(k)}: ${obj[k]?.trim() || 'nil'}`).join(', ')}}`;
}

// A field that may be a map of expressions or, when the registry says it is
// dynamic (FieldSpec.dynamic), one expression giving the whole object
// (db.add's data: input.record): a switch picks the form.
function ExprMap(p: { f: CatalogueField; step: Step; path: string; value: any; set: (v: any) => void; scope: () => any[] }) {
  const { f, path, value, set, scope } = p;
  const isExpr = typeof value === 'string';
  const diags = useFieldDiags(path);
  if (!f.dynamic) return <ExprMapFields {...p} />;
  return <DynamicForm name={f.name} isExpr={isExpr} what="Fields" value={isExpr ? value : ''} toFields={() => set({})}
    toExpr={() => set(mapExpr(value && typeof value === 'object' ? value : {}))} fields={<ExprMapFields {...p} />}
    expr={<><ExprField value={value} onChange={(x) => set(x)} label={`${f.name} expression`} diagnostics={diags} scope={scope} placeholder="an object, e.g. input.record" />
      {diags.length ? <Diags list={diags} /> : null}</>} />;
}

/** DynamicForm is the switch of a dynamic field (FieldSpec.dynamic): its fixed form, or one expression giving the value. */
function DynamicForm({ name, isExpr, what, value, toFields, toExpr, fields, expr }: { name: string; isExpr: boolean; what: string; value: string;
  toFields: () => void; toExpr: () => void; fields: React.ReactNode; expr: React.ReactNode }) {
  return (
    <div className="map-dynamic">
      <div className="map-form" role="group" aria-label={`${name} is written as`}>
        <button type="button" className={isExpr ? '' : 'on'} aria-pressed={!isExpr} onClick={() => {
          if (!isExpr) return;
          if (value.trim() && !['{}', '[]'].includes(value.trim()) && !confirm(`Replace the expression ${value.trim()} by ${what.toLowerCase()}?`)) return;
          toFields();
        }}>{what}</button>
        <button type="button" className={isExpr ? 'on' : ''} aria-pressed={isExpr} onClick={() => { if (!isExpr) toExpr(); }}>ƒx one expression</button>
      </div>
      {isExpr ? expr : fields}
    </div>
  );
}

function ExprMapFields({ f, step, path, value, set, scope }: { f: CatalogueField; step: Step; path: string; value: any; set: (v: any) => void; scope: () => any[] }) {
  const env = useContext(Env);
  const obj: Record<string, string> = value && typeof value === 'object' ? value : {};
  const keys = Object.keys(obj);
  const diags = useFieldDiags(path);
  // suggested keys: the callee's inputs (a function field) or the table's columns (a table field)
  const suggest = useMemo(() => {
    const out: string[] = [];
    for (const g of env.cat.fields(step.type)) {
      const gv = step[g.name];
      if (!gv) continue;
      if (g.kind === 'function') out.push(...(env.calleeInputs(gv) ?? []).map((i: any) => i.name));
      if (g.kind === 'table') out.push(...(env.tables.find((t) => t.name === gv)?.columns ?? []).map((c) => c.name).filter((c) => !['id', 'created_at', 'updated_at'].includes(c)));
    }
    return out.filter((k) => !keys.includes(k));
  }, [env, step, keys.join(',')]);
  const rename = (from: string, to: string) => {
    const o: Record<string, string> = {};
    for (const k of keys) o[k === from ? to : k] = obj[k];
    set(o);
  };
  const add = (k: string) => set({ ...obj, [k]: '' });
  return (
    <div className="kv">
      {keys.map((k, i) => {
        const kd = diags.filter((d) => d.path === `${path}.${k}` || d.path.startsWith(`${path}.${k}.`) || d.path.startsWith(`${path}.${k}[`));
        return (
          <div className="kv-row" key={i}>
            <input className="mono kv-key" aria-label={`${f.name} key ${i + 1}`} value={k} onChange={(e) => rename(k, e.target.value)} />
            <span className="kv-colon">:</span>
            <ValueField value={obj[k]} onChange={(x) => set({ ...obj, [k]: x })} label={`${f.name}.${k}`} diagnostics={kd} scope={scope} />
            <IconButton icon="x" label={`Remove ${k}`} onClick={() => { const o = { ...obj }; delete o[k]; set(Object.keys(o).length || f.required ? o : undefined); }} />
            {kd.length ? <Diags list={kd} /> : null}
          </div>
        );
      })}
      {diags.filter((d) => d.path === path).length ? <Diags list={diags.filter((d) => d.path === path)} /> : null}
      <div className="kv-add">
        {suggest.map((k) => <button key={k} type="button" className="chip add" onClick={() => add(k)}>+ {k}</button>)}
        <button type="button" className="link" onClick={() => { let n = 'key'; let i = 1; while (n in obj) n = `key${++i}`; add(n); }}>+ add {f.name}</button>
      </div>
    </div>
  );
}

function ExprList({ path, value, set, scope, label }: { path: string; value: string[]; set: (v: string[]) => void; scope: () => any[]; label: string }) {
  const diags = useFieldDiags(path);
  return (
    <div className="kv">
      {value.map((x, i) => {
        const d = diags.filter((dg) => dg.path.startsWith(`${path}[${i}]`));
        return (
          <div className="kv-row idx" key={i}>
            <span className="kv-idx">{i + 1}</span>
            <ValueField value={x} onChange={(nx) => set(value.map((y, j) => (j === i ? nx : y)))} label={`${label} ${i + 1}`} diagnostics={d} scope={scope} />
            <IconButton icon="x" label={`Remove ${label} ${i + 1}`} onClick={() => set(value.filter((_, j) => j !== i))} />
            {d.length ? <Diags list={d} /> : null}
          </div>
        );
      })}
      <div className="kv-add"><button type="button" className="link" onClick={() => set([...value, ''])}>+ add</button></div>
    </div>
  );
}

function Block({ f, step, path, segs, set, bare }: FieldProps & { bare?: boolean }) {
  const env = useContext(Env);
  const v = step[f.name];
  const diags = useSyncExternalStore(diagStore.subscribe, () => diagStore.at(`${path}.${f.name}`));
  const n = (l: unknown) => (Array.isArray(l) ? l.length : 0);
  if (f.kind === 'steps' && bare) {
    return (
      <div className="block bare" data-block={f.name}>
        <span className="block-label" title={f.description}>{f.name}</span>
        <span className="muted small">{n(v) ? `${n(v)} step${n(v) === 1 ? '' : 's'}, in the stack` : f.required ? 'empty' : 'empty (optional)'}</span>
        {diags.length ? <Diags list={diags} /> : null}
        <AddStep listPath={`${path}.${f.name}`} index={n(v)} label={f.name} />
      </div>
    );
  }
  if (f.kind === 'steps') {
    return (
      <div className="block" data-block={f.name}>
        <div className="block-label" title={f.description}>{f.name}{!f.required && !v ? <span className="muted"> (optional)</span> : null}</div>
        {diags.length ? <Diags list={diags} /> : null}
        <StepList list={Array.isArray(v) ? v : []} path={`${path}.${f.name}`} label={f.name} />
      </div>
    );
  }
  // cases: [{match, steps}]
  const cases: any[] = Array.isArray(v) ? v : [];
  const scope = () => scopeAt(env.cat, env.defRef.current.def, segs);
  return (
    <div className="block cases" data-block={f.name}>
      <div className="block-label">{f.name}</div>
      {diags.length ? <Diags list={diags} /> : null}
      {cases.map((c, i) => (
        <div className="case" key={i}>
          <div className="case-head">
            <span className="muted">when</span>
            <CaseMatch path={`${path}.${f.name}[${i}].match`} value={String(c?.match ?? '')} scope={scope} label={`case ${i + 1} match`}
              onChange={(x) => env.update((d) => setAt(d, [...segs, f.name, i, 'match'], x), `${step.__id}.case${i}`)} />
            <IconButton icon="x" label={`Remove case ${i + 1}`} onClick={() => set(f.name, cases.filter((_, j) => j !== i))} />
          </div>
          {bare
            ? <div className="block bare"><span className="muted small">{n(c?.steps)} step{n(c?.steps) === 1 ? '' : 's'}</span>
                <AddStep listPath={`${path}.${f.name}[${i}].steps`} index={n(c?.steps)} label={`case ${i + 1}`} /></div>
            : <StepList list={Array.isArray(c?.steps) ? c.steps : []} path={`${path}.${f.name}[${i}].steps`} label={`case ${i + 1}`} />}
        </div>
      ))}
      <button type="button" className="link" onClick={() => set(f.name, [...cases, { match: '', steps: [] }])}>+ add case</button>
    </div>
  );
}

function CaseMatch({ path, value, onChange, scope, label }: { path: string; value: string; onChange: (v: string) => void; scope: () => any[]; label: string }) {
  const diags = useFieldDiags(path);
  return (
    <div className="case-match">
      <ValueField value={value} onChange={onChange} label={label} diagnostics={diags} scope={scope} placeholder="a value to match" />
      {diags.length ? <Diags list={diags} /> : null}
    </div>
  );
}

/** AddStep is the palette: every step type of the catalogue, by category, with search. */
export function AddStep({ listPath, index, label, after }: { listPath: string; index: number; label?: string; after?: number }) {
  const env = useContext(Env);
  const [open, setOpen] = useState(false);
  const btn = useRef<HTMLButtonElement>(null);
  return (
    <div className={`add-step${after ? ' after' : ''}`}>
      {after
        ? <button ref={btn} type="button" className="icon-btn row-add" tabIndex={-1} aria-haspopup="dialog" aria-expanded={open} onClick={() => setOpen(!open)}
            aria-label={`Add step after step ${after}`} title="Add a step after this one"><Icon name="plus" size={14} /></button>
        : <button ref={btn} type="button" className="add-btn" aria-haspopup="dialog" aria-expanded={open} onClick={() => setOpen(!open)}
            aria-label={`Add step${label ? ` to ${label}` : ''}`}>
            <Icon name="plus" /> Add step{label ? <span className="muted"> to {label}</span> : null}
          </button>}
      {open ? (
        <Palette anchor={btn.current!} types={env.cat.types} onClose={() => (setOpen(false), btn.current?.focus())}
          onPick={(type) => {
            setOpen(false);
            const s = env.cat.blank(type);
            env.update((d) => insertAt(d, segsOf(listPath), index, s));
            env.onStepAdded?.(s.__id);
          }} />
      ) : null}
    </div>
  );
}

/** rankSteps orders step types for a search: the type's name first (exact, then prefix), then the title, then the description. */
export function rankSteps(types: StepType[], q: string): StepType[] {
  const n = q.trim().toLowerCase();
  if (!n) return types;
  const score = (t: StepType) => {
    const title = (t.title ?? '').toLowerCase();
    if (t.type === n) return 0;
    if (t.type.startsWith(n) || t.type.split('.').some((p) => p.startsWith(n))) return 1;
    if (title.split(/\s+/).some((w) => w.startsWith(n))) return 2;
    if (t.type.includes(n) || title.includes(n)) return 3;
    if (t.category.includes(n)) return 4;
    if (t.description.toLowerCase().includes(n)) return 5;
    return -1;
  };
  return types.map((t) => [t, score(t)] as const).filter(([, s]) => s >= 0).sort((a, b) => a[1] - b[1]).map(([t]) => t);
}

// The palette floats over the page (a portal: cards contain their paint).
function Palette({ anchor, types, onPick, onClose }: { anchor: HTMLElement; types: StepType[]; onPick: (t: string) => void; onClose: () => void }) {
  const [q, setQ] = useState('');
  const [sel, setSel] = useState(0);
  const box = useRef<HTMLDivElement>(null);
  const r = anchor.getBoundingClientRect();
  const below = window.innerHeight - r.bottom > 320 || r.top < 320;
  const pos: React.CSSProperties = { left: Math.min(r.left, window.innerWidth - 580), ...(below ? { top: r.bottom + 4 } : { bottom: window.innerHeight - r.top + 4 }) };
  useEffect(() => {
    const down = (e: MouseEvent) => { if (!box.current?.contains(e.target as Node) && !anchor.contains(e.target as Node)) onClose(); };
    document.addEventListener('mousedown', down);
    return () => document.removeEventListener('mousedown', down);
  }, [anchor, onClose]);
  // no search: by category; a search: ranked, the best first (Enter takes it)
  const ranked = rankSteps(types, q);
  const cats = q.trim() ? [''] : [...new Set(ranked.map((t) => t.category))];
  const ordered = q.trim() ? ranked : cats.flatMap((c) => ranked.filter((t) => t.category === c));
  return createPortal(
    <div ref={box} className="palette" style={pos} role="dialog" aria-label="Choose a step type" onKeyDown={(e) => {
      if (e.key === 'Escape') (e.stopPropagation(), e.preventDefault(), onClose());
      else if (e.key === 'ArrowDown') (e.preventDefault(), setSel((s) => Math.min(s + 1, ordered.length - 1)));
      else if (e.key === 'ArrowUp') (e.preventDefault(), setSel((s) => Math.max(s - 1, 0)));
      else if (e.key === 'Enter' && ordered[sel]) (e.preventDefault(), onPick(ordered[sel].type));
    }}>
      <input autoFocus className="palette-search" placeholder="Search steps…" aria-label="Search step types" value={q}
        onChange={(e) => (setQ(e.target.value), setSel(0))} />
      <div className="palette-list" role="listbox" aria-label="Step types">
        {cats.map((c) => (
          <div key={c} className="palette-cat">
            {c ? <div className="palette-cat-name" style={{ color: categoryColor(c) }}>{c}</div> : null}
            {(c ? ordered.filter((t) => t.category === c) : ordered).map((t) => {
              const i = ordered.indexOf(t);
              return (
                <button key={t.type} type="button" role="option" aria-selected={i === sel} className={`palette-item${i === sel ? ' sel' : ''}`}
                  onMouseEnter={() => setSel(i)} onClick={() => onPick(t.type)} data-step-type={t.type}>
                  <span className="palette-type" style={{ borderColor: categoryColor(t.category) }}>{t.type}</span>
                  <span className="palette-desc">{t.title ? <strong className="palette-title">{t.title}</strong> : null}{t.title ? ' — ' : ''}{t.description}</span>
                </button>
              );
            })}
          </div>
        ))}
        {ordered.length === 0 ? <div className="muted pad">no step matches “{q}”</div> : null}
      </div>
    </div>,
    document.body,
  );
}

// focusHandle puts the focus on the handle of the step just moved (its card
// mounts again in another list, or moves in its own, and loses the focus):
// at once, and for a few frames after in case a render lands later. It never
// takes the focus from an element the user went to meanwhile.
function focusHandle(id: string, frames = 30) {
  let stable = 0;
  const tick = () => {
    const el = document.querySelector(`[data-step-id="${id}"] .handle`) as HTMLElement | null;
    const cur = document.activeElement as HTMLElement | null;
    if (el && cur !== el && (!cur || cur === document.body || !cur.isConnected || cur.closest(`[data-step-id="${id}"]`))) el.focus();
    stable = el && document.activeElement === el ? stable + 1 : 0;
    if (stable < 3 && --frames > 0) requestAnimationFrame(tick);
  };
  tick();
}
