// The editor of a function, endpoint, task or middleware: inputs, the
// stack and the response, checked by the server as you type, saved with
// Ctrl/Cmd-S, with undo/redo, Run & Debug and versions beside it.
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { api, ApiError, type DefSummary, type Definition, type Dependency, type TableInfo } from './api';
import { Catalogue, countSteps, diagStore, find, insertAt, scopeAt, setAt, strip, withIds, type Seg } from './doc';
import { commands } from './commands';
import { useDocument } from './useDocument';
import { Diags, Env, IconButton, runMarks, StackEditor, type EditorEnv } from './StackEditor';
import { CompactStack, revealIn, StepPanel } from './CompactStack';
import { Resizer } from './Resizer';
import { FunctionsPanel } from './FunctionsPanel';
import { ValueField } from './ValueField';
import { RunPanel } from './RunPanel';
import { DefFieldsForm } from './DefFields';
import { VersionsPanel } from './Versions';
import { Icon } from './icons';
import { typedAsText } from './values';
import { useValueTypes, type ValueTypes } from './valueTypes';

interface Props {
  name: string;
  cat: Catalogue;
  defs: DefSummary[];
  tables: TableInfo[];
  onSaved: () => void;
  setDirty: (d: boolean) => void;
  toast: (m: string, bad?: boolean) => void;
  open: (name: string) => void;
}

export function DefinitionEditor(props: Props) {
  const { name } = props;
  const [loaded, setLoaded] = useState<{ version: number; latest: number; published: number; def: Definition } | null>(null);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setLoaded(null);
    setErr(null);
    diagStore.set([]);
    api.definition(name).then((r) => {
      if (!live) return;
      setLoaded({ version: r.version, latest: r.latest, published: r.published, def: withIds(props.cat, r.content) });
      diagStore.set((r.diagnostics ?? []).filter((d) => !d.definition || d.definition === name));
    }).catch((e) => live && setErr(e.message));
    return () => { live = false; diagStore.set([]); };
  }, [name, props.cat]);
  if (err) return <div className="page"><div className="alert err" role="alert">{err}</div></div>;
  if (!loaded) return <div className="page muted">Loading {name}…</div>;
  const reload = () => api.definition(name).then((r) =>
    setLoaded({ version: r.version, latest: r.latest, published: r.published, def: withIds(props.cat, r.content) })).catch((e) => setErr(e.message));
  return <Loaded key={`${name}@${loaded.version}`} {...props} loaded={loaded} reload={reload} />;
}

function Loaded({ name, cat, defs, tables, onSaved, setDirty, toast, open, loaded, reload }: Props & { loaded: { version: number; latest: number; published: number; def: Definition }; reload: () => void }) {
  const doc = useDocument(loaded.def);
  const [panel, setPanel] = useState<'run' | 'versions' | 'functions' | null>(() => (sessionStorage.getItem('funcstack.panel') as any) || 'run');
  const [meta, setMeta] = useState({ version: loaded.version, latest: loaded.latest, published: loaded.published });
  const [saving, setSaving] = useState(false);
  const [checking, setChecking] = useState(false);
  const diags = useSyncExternalStore(diagStore.subscribe, () => diagStore.all);
  const errors = diags.filter((d) => d.severity !== 'warning');
  useEffect(() => sessionStorage.setItem('funcstack.panel', panel ?? ''), [panel]);
  useEffect(() => setDirty(doc.dirty), [doc.dirty, setDirty]);
  useEffect(() => () => setDirty(false), [setDirty]);

  // callee inputs for call steps' function pickers
  const [callees, setCallees] = useState<Record<string, any[]>>({});
  const asked = useRef(new Set<string>());
  const calleeInputs = useCallback((fn: string) => {
    if (!asked.current.has(fn)) {
      asked.current.add(fn);
      api.definition(fn).then((r) => setCallees((c) => ({ ...c, [fn]: r.content.input ?? [] }))).catch(() => setCallees((c) => ({ ...c, [fn]: [] })));
    }
    return callees[fn];
  }, [callees]);

  // the stack's view: compact (one line per step, the form in a side panel) or forms (every step's form in the stack)
  const [view, setView] = useState<'compact' | 'forms'>(() => (localStorage.getItem('funcstack.view') === 'forms' ? 'forms' : 'compact'));
  useEffect(() => localStorage.setItem('funcstack.view', view), [view]);
  const [selected, setSelected] = useState<string | null>(null);
  const [focusKey, setFocusKey] = useState(0); // bumped to put the focus in the step panel
  const [collapsed, setCollapsed] = useState<Set<string>>(() => new Set());
  const onSelect = useCallback((id: string | null, edit?: boolean) => {
    setSelected(id);
    if (id && edit) setFocusKey((k) => k + 1);
  }, []);
  const onStepAdded = useCallback((id: string) => { if (view === 'compact') onSelect(id, true); }, [view, onSelect]);
  // a step picked in the run's trace is selected in the compact stack
  const onTraceStep = useCallback((path: string) => {
    if (view === 'compact') revealIn(doc.ref.current.def, path, setCollapsed, (id) => onSelect(id));
  }, [view, doc.ref, onSelect]);
  const leavePanel = useCallback(() => {
    const el = document.querySelector(`.compact [data-step-id="${selected}"] .row-main`) as HTMLElement | null;
    el?.focus();
  }, [selected]);

  const env: EditorEnv = useMemo(() => ({ cat, defRef: doc.ref as any, update: doc.update, functions: defs, tables, calleeInputs, openDefinition: open, onStepAdded }),
    [cat, doc.ref, doc.update, defs, tables, calleeInputs, open, onStepAdded]);
  // an edit after a run makes its marks and results stale
  useEffect(() => { if (runMarks.ranOn && runMarks.ranOn !== doc.def) runMarks.setStale(true); }, [doc.def]);

  // validation as you type (debounced), against the other saved definitions
  useEffect(() => {
    const def = doc.def;
    const h = setTimeout(async () => {
      setChecking(true);
      const current = () => doc.ref.current.def === def;
      try {
        const r = await api.validate(strip(def));
        if (current()) diagStore.set((r.diagnostics ?? []).filter((d) => !d.definition || d.definition === name));
      } catch (e) {
        if (e instanceof ApiError && e.diagnostics.length && current()) diagStore.set(e.diagnostics.filter((d) => !d.definition || d.definition === name));
      } finally {
        setChecking(false);
      }
    }, 350);
    return () => clearTimeout(h);
  }, [doc.def, doc.ref, name]);

  const save = useCallback(async (publish = false): Promise<boolean> => {
    const snap = doc.ref.current.def;
    const def = strip(snap);
    setSaving(true);
    try {
      const r = await api.save(def, publish);
      doc.markSaved(snap);
      diagStore.set((r.diagnostics ?? []).filter((d) => !d.definition || d.definition === name));
      setMeta((m) => ({ version: r.version, latest: r.version, published: publish ? r.version : m.published }));
      toast(r.changed === false && !publish ? 'No changes to save' : `Saved ${name} v${r.version}${publish ? ' and published it' : ' (draft)'}`);
      onSaved();
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.diagnostics.length) diagStore.set(e.diagnostics.filter((d) => !d.definition || d.definition === name));
      toast(`Not saved: ${(e as Error).message}`, true);
      return false;
    } finally {
      setSaving(false);
    }
  }, [doc, name, onSaved, toast]);

  // Publish saves unsaved edits as a draft first; when the definition uses
  // drafts that were never published (or whose changes it needs), the
  // server names them and the user may publish them all together.
  const [needs, setNeeds] = useState<Dependency[] | null>(null);
  const publish = async (withDependencies = false) => {
    if (doc.dirty && !(await save(false))) return;
    try {
      const r = await api.publish(name, undefined, withDependencies);
      setNeeds(null);
      setMeta((m) => ({ ...m, published: r.published }));
      const also = r.dependencies?.map((d) => d.name) ?? [];
      toast(`Published ${name} v${r.published}${also.length ? ` with ${also.join(', ')}` : ''}`);
      onSaved();
    } catch (e) {
      if (e instanceof ApiError && e.code === 'needs_dependencies') {
        setNeeds(e.body?.error?.dependencies ?? []);
        return;
      }
      setNeeds(null);
      if (e instanceof ApiError && e.diagnostics.length) diagStore.set(e.diagnostics.filter((d) => !d.definition || d.definition === name));
      toast(`Not published: ${(e as Error).message}`, true);
    }
  };

  // keyboard: Ctrl/Cmd-S saves; Ctrl/Cmd-Z / Shift-Z / Y undo and redo outside text fields
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      if (!mod) return;
      const k = e.key.toLowerCase();
      if (k === 's') {
        e.preventDefault();
        save(false);
        return;
      }
      if (e.key === 'Enter' && !e.defaultPrevented) {
        e.preventDefault();
        askRun();
        return;
      }
      const el = e.target as HTMLElement;
      const editable = el.closest?.('input, textarea, select, .cm-editor');
      if (editable) return;
      if (k === 'z' && !e.shiftKey) (e.preventDefault(), doc.undo());
      else if ((k === 'z' && e.shiftKey) || k === 'y') (e.preventDefault(), doc.redo());
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [save, doc.undo, doc.redo]);

  const def = doc.def;
  const getRaw = useCallback(() => doc.ref.current.def, [doc.ref]);
  const head = useMemo(() => ({ name, kind: def.kind, auth: def.auth, method: def.method, path: def.path, input: def.input }),
    [name, def.kind, def.auth, def.method, def.path, def.input]);
  const closePanel = useCallback(() => setPanel(null), []);
  const stepOpen = view === 'compact' && !!selected;
  // the command palette's commands for this editor (commands.ts): the latest state read through a ref
  const [runKey, setRunKey] = useState(0);
  const pendingRun = useRef(false);
  const askRun = useCallback(() => { pendingRun.current = true; setPanel('run'); setRunKey((k) => k + 1); }, []);
  const takeRun = useCallback(() => { const p = pendingRun.current; pendingRun.current = false; return p; }, []);
  const live = useRef({ save, publish, selected, view });
  const { ref: docRef, update: docUpdate } = doc; // stable: the commands are not made again on each keystroke
  live.current = { save, publish, selected, view };
  useEffect(() => {
    const addStep = (type: string) => {
      const st = cat.blank(type);
      const d = docRef.current.def;
      let list: Seg[] = ['stack'];
      let at = (d.stack ?? []).length;
      const sel = live.current.view === 'compact' ? live.current.selected : null;
      const f = sel ? find(cat, d, sel) : null;
      if (f) (list = f.listSegs, at = f.index + 1);
      docUpdate((dd) => insertAt(dd, list, at, st));
      if (live.current.view === 'compact') onSelect(st.__id, true);
      else requestAnimationFrame(() => document.querySelector(`[data-step-id="${st.__id}"]`)?.scrollIntoView({ block: 'center' }));
    };
    const toggle = (p: 'run' | 'functions' | 'versions', title: string) => ({ id: `panel.${p}`, group: 'Panels', title: `${panel === p ? 'Close' : 'Open'} ${title}`,
      keywords: 'toggle panel', run: () => setPanel((x) => (x === p ? null : p)) });
    return commands.set('editor', [
      { id: 'editor.run', group: 'Editor', title: 'Run', detail: `${name} with the Run & Debug input`, shortcut: 'Control+Enter', keywords: 'debug execute test',
        run: askRun },
      { id: 'editor.save', group: 'Editor', title: 'Save', detail: 'a new draft version', shortcut: 'Control+S', run: () => live.current.save(false) },
      { id: 'editor.publish', group: 'Editor', title: 'Publish', detail: 'make this version live', keywords: 'deploy release', run: () => live.current.publish() },
      toggle('run', 'Run & Debug'), toggle('functions', 'Functions'), toggle('versions', 'Versions'),
      ...(view === 'compact' && selected ? [{ id: 'panel.step', group: 'Panels', title: 'Close the step panel', keywords: 'toggle panel', run: () => setSelected(null) }] : []),
      { id: 'panel.view', group: 'Panels', title: view === 'compact' ? 'Show every step\'s form (forms view)' : 'Show one line per step (compact view)', keywords: 'toggle view compact forms',
        run: () => setView((v) => (v === 'compact' ? 'forms' : 'compact')) },
      ...cat.types.map((t) => ({ id: `add.${t.type}`, group: 'Add step', title: t.title ?? t.type, name: t.type, detail: t.type, keywords: `add step ${t.category} ${t.description}`,
        run: () => addStep(t.type) })),
    ]);
  }, [cat, docRef, docUpdate, name, panel, view, selected, onSelect, askRun]);
  // the error badge goes to the first error: unfolds its blocks, selects its step, opens its form
  const showError = () => {
    const d = errors.find((x) => x.path) ?? errors[0];
    if (!d) return;
    const at = d.path.startsWith('input') ? '.inputs' : d.path.startsWith('response') ? '#f-response' : null;
    if (at || !d.path.startsWith('stack')) {
      document.querySelector(at ?? '.editor-body')?.scrollIntoView({ block: 'center' });
      return;
    }
    if (view === 'forms') {
      const el = document.querySelector(`[data-path="${d.path.replace(/\.[a-z_]+$/, '')}"]`) ?? document.querySelector('.card.has-error');
      el?.scrollIntoView({ block: 'center' });
      return;
    }
    revealIn(doc.ref.current.def, d.path, setCollapsed, (id) => onSelect(id, true));
  };
  const set = (k: string, v: unknown, key?: string) => doc.update((d) => setAt(d, [k], v), key ?? `top.${k}`);
  const responseScope = useCallback(() => scopeAt(cat, doc.ref.current.def, ['stack', (doc.ref.current.def.stack ?? []).length]), [cat, doc.ref]);
  const nSteps = useMemo(() => countSteps(cat, def.stack ?? []), [cat, def.stack]);
  const respDiags = diags.filter((d) => d.path === 'response' || d.path.startsWith('response.'));
  const topDiags = diags.filter((d) => d.path === '' || (!d.path.startsWith('stack') && !d.path.startsWith('response') && !d.path.startsWith('input')));
  const status = meta.published === meta.latest && !doc.dirty ? 'live' : doc.dirty ? 'unsaved' : meta.published ? 'draft' : 'unpublished';

  return (
    <Env.Provider value={env}>
      <div className={`editor-wrap${panel ? ' with-panel' : ''}`}>
        <div className="editor" data-testid="editor">
          <header className="toolbar">
            <div className="title">
              <span className={`kind-badge k-${def.kind}`}>{def.kind}</span>
              <h1>{name}</h1>
              <span className={`badge st-${status}`} data-testid="save-state">{status === 'unsaved' ? '● unsaved' : status}</span>
              <span className="muted small title-meta">v{meta.latest}{meta.published ? ` · live v${meta.published}` : ''} · {nSteps} step{nSteps === 1 ? '' : 's'}</span>
              {checking ? <span className="muted small">checking…</span> : errors.length ? <button type="button" className="badge bad" data-testid="error-count" onClick={showError}
                title="Show the first error">{errors.length} error{errors.length === 1 ? '' : 's'}</button> : <span className="badge ok"><Icon name="check" size={12} /> valid</span>}
            </div>
            <div className="row gap toolbar-actions">
              <IconButton icon="undo" label="Undo (Ctrl+Z)" onClick={doc.undo} disabled={!doc.canUndo} />
              <IconButton icon="redo" label="Redo (Ctrl+Shift+Z)" onClick={doc.redo} disabled={!doc.canRedo} />
              <button type="button" className="btn" onMouseDown={(e) => e.preventDefault()} onClick={() => setPanel(panel === 'functions' ? null : 'functions')} aria-pressed={panel === 'functions'}><Icon name="fn" /><span className="btn-label">Functions</span></button>
              <button type="button" className="btn" onClick={() => setPanel(panel === 'versions' ? null : 'versions')} aria-pressed={panel === 'versions'}><Icon name="history" /><span className="btn-label">Versions</span></button>
              <button type="button" className="btn" onClick={() => setPanel(panel === 'run' ? null : 'run')} aria-pressed={panel === 'run'}><Icon name="bug" /><span className="btn-label">Run &amp; Debug</span></button>
              <button type="button" className="btn" onClick={() => publish(false)}><Icon name="upload" /><span className="btn-label">Publish</span></button>
              <button type="button" className="btn primary" onClick={() => save(false)} disabled={saving} aria-keyshortcuts="Control+S"><Icon name="save" /><span className="btn-label">{saving ? 'Saving…' : 'Save'}</span></button>
            </div>
          </header>
          {needs ? <PublishDependencies name={name} needs={needs} onPublish={() => publish(true)} onCancel={() => setNeeds(null)} /> : null}
          <div className="editor-body">
            {topDiags.length ? <Diags list={topDiags} /> : null}
            <input className="desc-input" aria-label="Description" placeholder="Describe what this does…" value={def.description ?? ''}
              onChange={(e) => set('description', e.target.value || undefined)} />
            <Settings def={def} set={set} defs={defs} />
            <DefFieldsForm def={def} set={(k: string, v: unknown) => set(k, v)} />
            <InputsPanel def={def} set={set} folded={view === 'compact'} />
            <section className="panel stack-panel" aria-label="Function stack">
              <div className="stack-head">
                <h2 className="section-title"><Icon name="layers" /> Function stack</h2>
                <div className="tabs small" role="group" aria-label="Stack view">
                  <button type="button" className={view === 'compact' ? 'on' : ''} aria-pressed={view === 'compact'} onClick={() => setView('compact')}>Compact</button>
                  <button type="button" className={view === 'forms' ? 'on' : ''} aria-pressed={view === 'forms'} onClick={() => setView('forms')}>Forms</button>
                </div>
              </div>
              {view === 'compact'
                ? <CompactStack stack={def.stack ?? []} selected={selected} onSelect={onSelect} collapsed={collapsed} setCollapsed={setCollapsed} />
                : <StackEditor list={def.stack ?? []} />}
            </section>
            {def.kind !== 'task' || def.response ? (
              <section className="panel" aria-label="Response">
                <h2 className="section-title"><Icon name="send" /> Response</h2>
                <div className={`field wide${respDiags.length ? ' invalid' : ''}`}>
                  <label className="field-label" htmlFor="f-response">response</label>
                  <ValueField id="f-response" value={def.response ?? ''} onChange={(v) => set('response', v || undefined, 'response')} label="response"
                    diagnostics={respDiags} scope={responseScope} placeholder="{total: total}" />
                  {respDiags.length ? <Diags list={respDiags} /> : null}
                </div>
              </section>
            ) : null}
          </div>
        </div>
        {/* the side dock: the step's form over the open tool panel, in one resizable column, so the stack keeps its width */}
        {stepOpen || panel ? (
          <>
            <Resizer name="dock" />
            <div className={`side-dock${stepOpen && panel ? ' split' : ''}`} data-testid="side-dock">
              {stepOpen ? <StepPanel id={selected!} onClose={() => setSelected(null)} onLeave={leavePanel} focusKey={focusKey} /> : null}
              {panel === 'run' ? <RunPanel def={head} getDef={doc.plain} getRaw={getRaw} onClose={closePanel} onStep={onTraceStep} runKey={runKey} takeRun={takeRun} /> : null}
              {panel === 'functions' ? <FunctionsPanel onClose={() => setPanel(null)} /> : null}
              {panel === 'versions' ? <VersionsPanel name={name} onClose={() => setPanel(null)} toast={toast}
                onRestored={() => reload()} onPublished={() => (reload(), onSaved())} /> : null}
            </div>
          </>
        ) : null}
      </div>
    </Env.Provider>
  );
}

/** pathParams names the :parameters of an endpoint path, in order. */
export function pathParams(path?: string): string[] {
  return [...(path ?? '').matchAll(/:([a-z][a-z0-9_]*)/g)].map((m) => m[1]).filter((p, i, all) => all.indexOf(p) === i);
}

function Settings({ def, set, defs }: { def: Definition; set: (k: string, v: unknown, key?: string) => void; defs: DefSummary[] }) {
  const st = def.settings ?? {};
  const setS = (k: string, v: unknown) => {
    const n = { ...st, [k]: v };
    if (v === undefined || v === '' || v === false) delete n[k];
    set('settings', Object.keys(n).length ? n : undefined);
  };
  if (def.kind === 'endpoint') {
    const mws = defs.filter((d) => d.kind === 'middleware');
    // a :name in the path is an input: editing the path adds the missing ones (text, required)
    const setPath = (path: string) => {
      set('path', path, 'top.path');
      const inputs: any[] = def.input ?? [];
      const missing = pathParams(path).filter((p) => !inputs.some((f) => f.name === p));
      if (missing.length) set('input', [...inputs, ...missing.map((name) => ({ name, type: 'text', required: true }))], 'top.path');
    };
    return (
      <section className="panel settings" aria-label="Endpoint">
        <div className="fields">
          <div className="field"><label className="field-label" htmlFor="ep-method">method</label>
            <select id="ep-method" value={def.method ?? 'GET'} onChange={(e) => set('method', e.target.value)}>
              {['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => <option key={m}>{m}</option>)}
            </select></div>
          <div className="field wide"><label className="field-label" htmlFor="ep-path">path</label>
            <input id="ep-path" className="mono" value={def.path ?? ''} placeholder="/api/things/:id" onChange={(e) => setPath(e.target.value)} />
            {pathParams(def.path).length ? <div className="hint">path parameters become inputs: {pathParams(def.path).map((p) => `input.${p}`).join(', ')}</div> : null}</div>
          
          <div className="field"><label className="field-label" htmlFor="ep-status">status</label>
            <input id="ep-status" type="number" value={def.status ?? ''} placeholder="200" onChange={(e) => set('status', e.target.value ? Number(e.target.value) : undefined)} /></div>
          <div className="field wide"><label className="field-label" htmlFor="ep-mw">middleware</label>
            <input id="ep-mw" className="mono" list="mw-list" value={(def.middleware ?? []).join(', ')} placeholder="none"
              onChange={(e) => set('middleware', e.target.value.trim() ? e.target.value.split(',').map((x) => x.trim()) : undefined)} />
            <datalist id="mw-list">{mws.map((m) => <option key={m.name} value={m.name} />)}</datalist></div>
        </div>
      </section>
    );
  }
  if (def.kind === 'task') {
    const sc = def.schedule ?? {};
    return (
      <section className="panel settings" aria-label="Schedule">
        <div className="fields">
          <div className="field"><label className="field-label" htmlFor="t-cron">cron</label>
            <input id="t-cron" className="mono" value={sc.cron ?? ''} placeholder="*/5 * * * *" onChange={(e) => set('schedule', { ...sc, cron: e.target.value || undefined })} /></div>
          <div className="field"><label className="field-label" htmlFor="t-every">every</label>
            <input id="t-every" className="mono" value={sc.every ?? ''} placeholder="15m" onChange={(e) => set('schedule', { ...sc, every: e.target.value || undefined })} /></div>
          <div className="field"><label className="field-label" htmlFor="t-timeout">timeout</label>
            <input id="t-timeout" className="mono" value={st.timeout ?? ''} placeholder="15m" onChange={(e) => setS('timeout', e.target.value)} /></div>
        </div>
      </section>
    );
  }
  if (def.kind === 'function') {
    return (
      <section className="panel settings compact" aria-label="Settings">
        <div className="fields">
          <div className="field"><label className="switch"><input type="checkbox" checked={!!st.public} onChange={(e) => setS('public', e.target.checked)} />
            <span className="slider" aria-hidden /><span className="switch-label">public (callable over HTTP without the admin token)</span></label></div>
          <div className="field"><label className="field-label" htmlFor="fn-timeout">timeout</label>
            <input id="fn-timeout" className="mono" value={st.timeout ?? ''} placeholder="30s" onChange={(e) => setS('timeout', e.target.value)} /></div>
          <div className="field"><label className="field-label" htmlFor="fn-queue">queue</label>
            <input id="fn-queue" className="mono" value={st.queue ?? ''} placeholder="default" onChange={(e) => setS('queue', e.target.value)} /></div>
        </div>
      </section>
    );
  }
  return null;
}

function InputsPanel({ def, set, folded }: { def: Definition; set: (k: string, v: unknown, key?: string) => void; folded?: boolean }) {
  const inputs: any[] = def.input ?? [];
  const diags = useSyncExternalStore(diagStore.subscribe, () => diagStore.under('input'));
  // the input types and what their constraints bound are the catalogue's
  const types = useValueTypes();
  // in the compact view the inputs of a definition that has some show as one line until opened
  const [open, setOpen] = useState(() => !folded || inputs.length === 0);
  if (!open) {
    return (
      <section className="panel inputs folded" aria-label="Inputs">
        <button type="button" className="inputs-line" aria-expanded={false} onClick={() => setOpen(true)}>
          <Icon name="download" /> <span className="section-title inline">Inputs</span>
          <span className="mono small">{inputs.map((f) => `${f.name}: ${f.type ?? ''}${f.list ? '[]' : ''}${f.required ? '*' : ''}`).join(', ')}</span>
          {diags.some((x) => x.severity !== 'warning') ? <span className="badge bad">error</span> : null}
          <span className="spacer" /><span className="link small">edit</span>
        </button>
      </section>
    );
  }
  const put = (i: number, k: string, v: unknown) => {
    const n = inputs.map((f, j) => {
      if (j !== i) return f;
      const c = { ...f, [k]: v };
      // an empty control removes its key; a default may be false or ""
      if (v === undefined || (k !== 'default' && (v === false || v === ''))) delete c[k];
      if (k === 'name') c.name = v ?? '';
      return c;
    });
    set('input', n, `input.${i}.${k}`);
  };
  if (!types) {
    return <section className="panel inputs" aria-label="Inputs"><h2 className="section-title"><Icon name="download" /> Inputs</h2><div className="muted">loading…</div></section>;
  }
  const rangeHelp = boundsHelp(types);
  return (
    <section className="panel inputs" aria-label="Inputs">
      <h2 className="section-title"><Icon name="download" /> Inputs</h2>
      {inputs.length === 0 ? <div className="muted small">No inputs. Expressions read them as <code>input.name</code>.</div> : (
        <div className="input-rows">
          {inputs.map((f, i) => {
            const d = diags.filter((x) => x.path === `input[${i}]` || x.path.startsWith(`input[${i}].`) || x.path.startsWith(`input[${i}][`));
            return (
              <div key={i} className={`input-row${d.some((x) => x.severity !== 'warning') ? ' invalid' : ''}`} data-input={i}>
                <input className="mono" aria-label={`input ${i + 1} name`} value={f.name ?? ''} placeholder="name" onChange={(e) => put(i, 'name', e.target.value)} />
                <select aria-label={`input ${i + 1} type`} value={f.type ?? ''} onChange={(e) => put(i, 'type', e.target.value)}>
                  {f.type === undefined || types.inputs.some((t) => t.name === f.type) ? null : <option>{f.type}</option>}
                  {types.inputs.map((t) => <option key={t.name} title={t.description}>{t.name}</option>)}
                </select>
                <label className="check"><input type="checkbox" checked={!!f.list} onChange={(e) => put(i, 'list', e.target.checked)} /> list</label>
                <label className="check"><input type="checkbox" checked={!!f.required} onChange={(e) => put(i, 'required', e.target.checked)} /> required</label>
                <label className="check"><input type="checkbox" checked={!!f.sensitive} onChange={(e) => put(i, 'sensitive', e.target.checked)} /> sensitive</label>
                {f.fields ? <span className="muted small">{f.fields.length} fields</span> : null}
                <input aria-label={`input ${i + 1} description`} className="grow" value={f.description ?? ''} placeholder="description" onChange={(e) => put(i, 'description', e.target.value)} />
                <IconButton icon="x" label={`Remove input ${f.name || i + 1}`} onClick={() => set('input', inputs.filter((_, j) => j !== i).length ? inputs.filter((_, j) => j !== i) : undefined)} />
                <Constraints f={f} n={i + 1} put={(k, v) => put(i, k, v)} diags={d} path={`input[${i}]`} rangeHelp={rangeHelp} />
                {d.length ? <Diags list={d} /> : null}
              </div>
            );
          })}
        </div>
      )}
      <button type="button" className="link" onClick={() => set('input', [...inputs, { name: '', type: types.inputs[0].name }])}>+ Add input</button>
    </section>
  );
}

// The constraints of an input field (docs/format.md §2 Inputs): min and max (the value of
// an int or decimal, the length of text, the item count of a list), a
// default (used when the input is missing or null) and values (the texts
// allowed). Every field shows all four; the server says which apply and
// whether the default fits, as diagnostics at their paths.

/** BOUNDED says what min and max bound, by the catalogue's bounds of a type. */
const BOUNDED: Record<string, string> = { value: 'the value', length: 'the number of characters', size: 'the size in bytes' };

/** boundsHelp is what min and max bound for each type, from the catalogue: "int and decimal: the value · text: …". */
function boundsHelp(types: ValueTypes): string {
  const by = new Map<string, string[]>();
  for (const t of types.inputs) if (t.bounds) by.set(t.bounds, [...(by.get(t.bounds) ?? []), t.name]);
  const and = (l: string[]) => (l.length > 1 ? `${l.slice(0, -1).join(', ')} and ${l[l.length - 1]}` : l[0]);
  return [...[...by].map(([b, names]) => `${and(names)}: ${BOUNDED[b] ?? b}`), 'list: the number of items'].join(' · ');
}

function Constraints({ f, n, put, diags, path, rangeHelp }: { f: any; n: number; put: (k: string, v: unknown) => void; diags: { path: string; severity: string }[]; path: string; rangeHelp: string }) {
  const bad = (k: string) => diags.some((d) => d.severity !== 'warning' && (d.path === `${path}.${k}` || d.path.startsWith(`${path}.${k}[`)));
  const cls = (k: string) => (bad(k) ? 'invalid' : undefined);
  return (
    <div className="input-limits" role="group" aria-label={`input ${n} constraints`}>
      <label className="inline-label" title={`least: ${rangeHelp}`}>min
        <input type="number" step="any" className={cls('min')} aria-label={`input ${n} min`} aria-invalid={bad('min') || undefined}
          value={f.min ?? ''} onChange={(e) => put('min', e.target.value === '' ? undefined : Number(e.target.value))} /></label>
      <label className="inline-label" title={`most: ${rangeHelp}`}>max
        <input type="number" step="any" className={cls('max')} aria-label={`input ${n} max`} aria-invalid={bad('max') || undefined}
          value={f.max ?? ''} onChange={(e) => put('max', e.target.value === '' ? undefined : Number(e.target.value))} /></label>
      <label className="inline-label" title="used when the input is missing or null">default
        <DefaultInput f={f} n={n} invalid={bad('default')} onChange={(v) => put('default', v)} /></label>
      <label className="inline-label grow" title="the texts a text input may take, separated by commas">values
        <ValuesInput value={f.values} n={n} invalid={bad('values')} onChange={(v) => put('values', v)} /></label>
    </div>
  );
}

// same compares two JSON values.
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

// useText keeps what the user types in a field whose value is parsed from
// it, so that a value that reads back differently (a list being typed, a
// number with a trailing dot) does not rewrite the text under the cursor;
// the text follows the value only when the value changes elsewhere (undo,
// another control, a version restored).
function useText(value: unknown, show: (v: any) => string, read: (t: string) => unknown): [string, (t: string) => unknown] {
  const [text, setText] = useState(() => show(value));
  useEffect(() => {
    if (!same(read(text), value)) setText(show(value));
  }, [value]);
  return [text, (t: string) => (setText(t), read(t))];
}

// DefaultInput edits a default as the field's JSON value: the text itself
// for text-like inputs, JSON for the others (10, true, [1, 2], {"a": 1});
// what is not JSON is kept as text, and the server says whether it fits.
function DefaultInput({ f, n, invalid, onChange }: { f: any; n: number; invalid: boolean; onChange: (v: unknown) => void }) {
  const textual = !f.list && typedAsText(f.type);
  const show = (v: any) => (v === undefined ? '' : textual && typeof v === 'string' ? v : JSON.stringify(v));
  const read = (t: string) => {
    if (t === '') return undefined;
    if (textual) return t;
    try { return JSON.parse(t); } catch { return t; }
  };
  const [text, edit] = useText(f.default, show, read);
  return <input className={`mono default-input${invalid ? ' invalid' : ''}`} aria-label={`input ${n} default`} aria-invalid={invalid || undefined}
    value={text} placeholder={textual ? 'text' : 'JSON'} spellCheck={false} onChange={(e) => onChange(edit(e.target.value))} />;
}

// ValuesInput edits the allowed values, separated by commas.
function ValuesInput({ value, n, invalid, onChange }: { value: unknown; n: number; invalid: boolean; onChange: (v: string[] | undefined) => void }) {
  const show = (v: any) => (Array.isArray(v) ? v.join(', ') : '');
  const read = (t: string) => {
    const l = t.split(',').map((x) => x.trim()).filter(Boolean);
    return l.length ? l : undefined;
  };
  const [text, edit] = useText(value, show, read);
  return <input className={`mono${invalid ? ' invalid' : ''}`} aria-label={`input ${n} values`} aria-invalid={invalid || undefined}
    value={text} placeholder="any, or e.g. small, large" spellCheck={false} onChange={(e) => onChange(edit(e.target.value) as string[] | undefined)} />;
}

/** PublishDependencies asks before publishing name with the drafts it needs, all at once. */
function PublishDependencies({ name, needs, onPublish, onCancel }: { name: string; needs: Dependency[]; onPublish: () => Promise<void>; onCancel: () => void }) {
  const [busy, setBusy] = useState(false);
  const n = needs.length;
  return (
    <div className="confirm publish-deps" role="alertdialog" aria-label="Publish with the drafts it needs?" aria-describedby="publish-deps-text"
      onKeyDown={(e) => e.key === 'Escape' && onCancel()}>
      <p id="publish-deps-text"><strong>{name}</strong> needs {n === 1 ? 'a draft' : `${n} drafts`} that {n === 1 ? 'is' : 'are'} not live. Publish {n === 1 ? 'it' : 'them'} together with {name}: all are published at once, or none is.</p>
      <ul className="deps-list" aria-label="Drafts to publish with it">
        {needs.map((d) => <li key={d.name} data-dependency={d.name}><span className={`kind-badge k-${d.kind}`}>{d.kind}</span> <strong>{d.name}</strong> v{d.version} <span className="muted small">· {d.reason}</span></li>)}
      </ul>
      <div className="row gap">
        <button type="button" className="btn small primary" autoFocus disabled={busy}
          onClick={async () => { setBusy(true); try { await onPublish(); } finally { setBusy(false); } }}>Publish all {n + 1}</button>
        <button type="button" className="btn small" onClick={onCancel}>Cancel</button>
      </div>
    </div>
  );
}
