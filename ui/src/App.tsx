// The app shell: sign-in, the workspace sidebar, routing (#/...), the
// unsaved-changes guard and toasts.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, ApiError, setUnauthorizedHandler, token, type DefSummary, type TableInfo } from './api';
import { Catalogue } from './doc';
import { setFunctions } from './expr';
import { DefinitionEditor } from './DefinitionEditor';
import { ExecutionPage, ExecutionsPage } from './Executions';
import { TablePage } from './Tables';
import { ImportExport } from './ImportExport';
import { KeysPage } from './Keys';
import { Icon } from './icons';
import { CommandPalette } from './CommandPalette';
import { commands } from './commands';

const KINDS: { kind: string; title: string; icon: string }[] = [
  { kind: 'function', title: 'Functions', icon: 'fn' },
  { kind: 'endpoint', title: 'Endpoints', icon: 'globe' },
  { kind: 'task', title: 'Tasks', icon: 'clock' },
  { kind: 'table', title: 'Tables', icon: 'table' },
  { kind: 'middleware', title: 'Middleware', icon: 'layers' },
];

/** defaultPath is a new endpoint's path from its name: api_hello → /api/hello, list_orders → /api/list-orders. */
export function defaultPath(name: string): string {
  return `/api/${name.replace(/^api_/, '').replace(/_/g, '-')}`;
}

function template(kind: string, name: string): Record<string, unknown> {
  switch (kind) {
    case 'endpoint': return { kind, name, method: 'GET', path: defaultPath(name), stack: [], response: "{ok: true}" };
    case 'task': return { kind, name, schedule: { every: '1h' }, stack: [] };
    case 'table': return { kind, name, fields: [{ name: 'name', type: 'text', required: true }] };
    case 'middleware': return { kind, name, stack: [] };
    default: return { kind, name, stack: [] };
  }
}

export function App() {
  const [authed, setAuthed] = useState(false);
  const [checked, setChecked] = useState(false);
  const [cat, setCat] = useState<Catalogue | null>(null);
  useEffect(() => {
    setUnauthorizedHandler(() => (token.clear(), setAuthed(false)));
    if (!token.get()) return setChecked(true);
    api.steps().then((s) => (setCat(new Catalogue(s)), setAuthed(true))).catch(() => token.clear()).finally(() => setChecked(true));
  }, []);
  // the expression functions' catalogue, for completion, hover help and the functions drawer
  useEffect(() => { if (authed) api.functions().then(setFunctions).catch(() => {}); }, [authed]);
  if (!checked) return null;
  if (!authed || !cat) return <SignIn onIn={(s) => (setCat(new Catalogue(s)), setAuthed(true))} />;
  return <Shell cat={cat} onOut={() => (token.clear(), setAuthed(false))} />;
}

function SignIn({ onIn }: { onIn: (steps: any[]) => void }) {
  const [t, setT] = useState('');
  const [err, setErr] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErr(null);
    try {
      const s = await api.steps(t.trim());
      token.set(t.trim());
      onIn(s);
    } catch (e) {
      setErr(e instanceof ApiError && e.status === 401 ? 'That is not the admin token. Use FUNCSTACK_ADMIN_TOKEN, or the token funcstack serve printed or saved in its data folder.' : (e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="signin">
      <form onSubmit={submit} className="signin-card" aria-label="Sign in">
        <h1 className="logo big"><Logo /> funcstack</h1>
        <p className="muted">Sign in with the admin token to build, run and watch your function stacks.</p>
        <label className="field-label" htmlFor="token">Admin token</label>
        <input id="token" type="password" autoComplete="current-password" autoFocus value={t} onChange={(e) => setT(e.target.value)} placeholder="FUNCSTACK_ADMIN_TOKEN" />
        {err ? <div className="alert err" role="alert">{err}</div> : null}
        <button className="btn primary wide" disabled={busy || !t.trim()}>{busy ? 'Checking…' : 'Sign in'}</button>
        <p className="muted small">The token stays in this tab only (session storage).</p>
      </form>
    </main>
  );
}

function Logo() {
  return (
    <svg width="22" height="22" viewBox="0 0 16 16" aria-hidden="true">
      <rect x="2" y="2" width="12" height="3" rx="1" fill="#6366f1" /><rect x="2" y="6.5" width="12" height="3" rx="1" fill="#8b5cf6" /><rect x="2" y="11" width="12" height="3" rx="1" fill="#a855f7" />
    </svg>
  );
}

interface Toast { id: number; msg: string; bad?: boolean }

function useHash() {
  const [hash, setHash] = useState(location.hash || '#/');
  useEffect(() => {
    const f = () => setHash(location.hash || '#/');
    window.addEventListener('hashchange', f);
    return () => window.removeEventListener('hashchange', f);
  }, []);
  return hash;
}

function Shell({ cat, onOut }: { cat: Catalogue; onOut: () => void }) {
  const [defs, setDefs] = useState<DefSummary[]>([]);
  const [tables, setTables] = useState<TableInfo[]>([]);
  const [toasts, setToasts] = useState<Toast[]>([]);
  const dirty = useRef(false);
  const setDirty = useCallback((d: boolean) => void (dirty.current = d), []);
  const hash = useHash();
  const shown = useRef(hash);

  const toast = useCallback((msg: string, bad?: boolean) => {
    const id = Date.now() + Math.random();
    setToasts((t) => [...t.slice(-3), { id, msg, bad }]);
    setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), bad ? 7000 : 3500);
  }, []);
  const refresh = useCallback(() => {
    api.definitions().then((r) => setDefs(r.items)).catch((e) => toast(e.message, true));
    api.tables().then((r) => setTables(r.items)).catch(() => {});
  }, [toast]);
  useEffect(refresh, [refresh]);
  // others edit the workspace too: refresh when the tab comes back, and now and then
  useEffect(() => {
    const onFocus = () => refresh();
    window.addEventListener('focus', onFocus);
    const h = setInterval(() => document.visibilityState === 'visible' && refresh(), 15000);
    return () => (window.removeEventListener('focus', onFocus), clearInterval(h));
  }, [refresh]);

  // unsaved-changes guard: leaving the page, or moving to another view
  useEffect(() => {
    const f = (e: BeforeUnloadEvent) => { if (dirty.current) (e.preventDefault(), (e.returnValue = '')); };
    window.addEventListener('beforeunload', f);
    return () => window.removeEventListener('beforeunload', f);
  }, []);
  const [route, setRoute] = useState(hash);
  useEffect(() => {
    if (hash === shown.current && route === hash) return;
    if (dirty.current && !confirm('You have unsaved changes. Leave them?')) {
      history.replaceState(null, '', shown.current);
      return;
    }
    dirty.current = false;
    shown.current = hash;
    setRoute(hash);
  }, [hash]);
  const go = useCallback((h: string) => { location.hash = h; }, []);
  const open = useCallback((name: string) => go(`#/def/${name}`), [go]);

  // the command palette goes to any definition and page
  useEffect(() => commands.set('shell', [
    ...defs.map((d) => ({ id: `go.${d.name}`, group: 'Go to', title: d.name, name: d.name, detail: d.kind === 'endpoint' ? `${d.method} ${d.path}` : d.kind,
      keywords: `open definition ${d.kind}`, run: () => go(`#/def/${d.name}`) })),
    { id: 'go.executions', group: 'Go to', title: 'Executions', keywords: 'runs history requests', run: () => go('#/executions') },
    { id: 'go.import', group: 'Go to', title: 'Import / Export', keywords: 'backup json', run: () => go('#/import') },
  ]), [defs, go]);
  const [path] = route.slice(1).split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const current = parts[0] === 'def' ? parts[1] : null;
  const currentKind = defs.find((d) => d.name === current)?.kind;
  // a link to a definition the sidebar does not list yet (made elsewhere): look again
  const looked = useRef<string | null>(null);
  const [loadedDefs, setLoadedDefs] = useState(false);
  useEffect(() => {
    if (current && defs.length && !currentKind && looked.current !== current) {
      looked.current = current;
      setLoadedDefs(false);
      api.definitions().then((r) => setDefs(r.items)).finally(() => setLoadedDefs(true));
    } else setLoadedDefs(true);
  }, [current, currentKind, defs.length]);

  let page: React.ReactNode;
  if (parts[0] === 'def' && parts[1]) {
    if (!defs.length || (!currentKind && !loadedDefs)) page = <div className="page muted">loading…</div>;
    else if (currentKind === 'table') page = <TablePage key={parts[1]} name={parts[1]} defs={defs} onSaved={refresh} setDirty={setDirty} toast={toast} />;
    else page = <DefinitionEditor key={parts[1]} name={parts[1]} cat={cat} defs={defs} tables={tables} onSaved={refresh} setDirty={setDirty} toast={toast} open={open} />;
  } else if (parts[0] === 'executions' && parts[1]) page = <ExecutionPage key={parts[1]} id={parts[1]} go={go} toast={toast} />;
  else if (parts[0] === 'executions') page = <ExecutionsPage defs={defs} go={go} />;
  else if (parts[0] === 'import') page = <ImportExport toast={toast} onDone={refresh} />;
  else if (parts[0] === 'keys') page = <KeysPage defs={defs} toast={toast} />;
  else page = <Home defs={defs} cat={cat} />;

  return (
    <div className="shell">
      <header className="topbar">
        <a className="logo" href="#/"><Logo /> funcstack</a>
        <nav aria-label="Main">
          <a href="#/" className={!parts[0] || parts[0] === 'def' ? 'on' : ''}>Builder</a>
          <a href="#/executions" className={parts[0] === 'executions' ? 'on' : ''}>Executions</a>
          <a href="#/import" className={parts[0] === 'import' ? 'on' : ''}>Import / Export</a>
          <a href="#/keys" className={parts[0] === 'keys' ? 'on' : ''}>API keys</a>
        </nav>
        <span className="spacer" />
        <a className="muted small" href="/docs" target="_blank" rel="noreferrer">API docs</a>
        <button type="button" className="btn ghost" onClick={() => { if (!dirty.current || confirm('You have unsaved changes. Sign out anyway?')) onOut(); }}><Icon name="logout" /> Sign out</button>
      </header>
      <div className="body">
        <Sidebar defs={defs} current={current} onChanged={refresh} toast={toast} go={go} />
        <main className="main" id="main">{page}</main>
      </div>
      <CommandPalette />
      <div className="toasts" role="status" aria-live="polite">
        {toasts.map((t) => <div key={t.id} className={`toast${t.bad ? ' bad' : ''}`}>{t.msg}</div>)}
      </div>
    </div>
  );
}

function Home({ defs, cat }: { defs: DefSummary[]; cat: Catalogue }) {
  const count = (k: string) => defs.filter((d) => d.kind === k).length;
  return (
    <div className="page home">
      <h1>Workspace</h1>
      <p className="muted">Pick a definition on the left, or make a new one with <strong>+</strong>. Every stack runs on the server exactly as you see it here.</p>
      <div className="cards">
        {KINDS.map((k) => (
          <div key={k.kind} className="stat"><Icon name={k.icon} size={20} /><strong>{count(k.kind)}</strong><span>{k.title.toLowerCase()}</span></div>
        ))}
        <div className="stat"><Icon name="layers" size={20} /><strong>{cat.types.length}</strong><span>step types</span></div>
      </div>
      <div className="row gap"><a className="btn" href="#/executions"><Icon name="list" /> Recent executions</a><a className="btn" href="#/import"><Icon name="upload" /> Import / Export</a></div>
    </div>
  );
}

function Sidebar({ defs, current, onChanged, toast, go }: { defs: DefSummary[]; current: string | null; onChanged: () => void; toast: (m: string, bad?: boolean) => void; go: (h: string) => void }) {
  const [q, setQ] = useState('');
  const [creating, setCreating] = useState<string | null>(null);
  const [renaming, setRenaming] = useState<string | null>(null);
  // renaming a definition others use: they are shown first, then renamed with it
  const [callersOf, setCallersOf] = useState<{ name: string; to: string; callers: string[] } | null>(null);
  const rename = async (name: string, to: string, updateCallers: boolean) => {
    try {
      const r = await api.rename(name, to, updateCallers);
      setRenaming(null);
      setCallersOf(null);
      const also = r.callers?.map((c) => c.name) ?? [];
      toast(`Renamed ${name} to ${to}${also.length ? `; updated ${also.join(', ')}` : ''}`);
      onChanged();
      if (current === name) go(`#/def/${to}`);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'has_callers') {
        setRenaming(null);
        setCallersOf({ name, to, callers: e.body?.error?.callers ?? [] });
        return;
      }
      toast((e as Error).message, true);
    }
  };
  const filtered = useMemo(() => defs.filter((d) => !q || d.name.includes(q.toLowerCase()) || (d.path ?? '').includes(q)), [defs, q]);
  const del = async (name: string) => {
    if (!confirm(`Delete ${name}? Its versions go too.`)) return;
    try {
      await api.remove(name);
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        if (!confirm(`${e.message}\n\nDelete it anyway?`)) return;
        try { await api.remove(name, true); } catch (e2) { return toast((e2 as Error).message, true); }
      } else return toast((e as Error).message, true);
    }
    toast(`Deleted ${name}`);
    onChanged();
    if (current === name) go('#/');
  };
  return (
    <nav className="sidebar" aria-label="Workspace">
      <div className="search">
        <Icon name="search" />
        <input type="search" placeholder="Search…" aria-label="Search the workspace" value={q} onChange={(e) => setQ(e.target.value)} />
      </div>
      {KINDS.map((k) => {
        const items = filtered.filter((d) => d.kind === k.kind);
        return (
          <div className="side-group" key={k.kind}>
            <div className="side-head">
              <Icon name={k.icon} /><span>{k.title}</span><span className="muted small">{items.length}</span><span className="spacer" />
              <button type="button" className="icon-btn" aria-label={`New ${k.kind}`} title={`New ${k.kind}`} onClick={() => setCreating(k.kind)}><Icon name="plus" /></button>
            </div>
            {creating === k.kind ? <NameForm label={`New ${k.kind} name`} onCancel={() => setCreating(null)} onSubmit={async (name) => {
              try {
                await api.create(template(k.kind, name));
                setCreating(null);
                onChanged();
                go(`#/def/${name}`);
              } catch (e) {
                toast((e as Error).message, true);
              }
            }} /> : null}
            <ul>
              {items.map((d) => (
                <li key={d.name} className={current === d.name ? 'on' : ''}>
                  {callersOf?.name === d.name ? <RenameCallers ask={callersOf} onCancel={() => setCallersOf(null)} onRename={() => rename(d.name, callersOf.to, true)} /> : null}
                  {renaming === d.name ? <NameForm label={`Rename ${d.name} to`} initial={d.name} onCancel={() => setRenaming(null)} onSubmit={(to) => rename(d.name, to, false)} /> : (
                    <>
                      <a href={`#/def/${d.name}`} className="side-item" aria-current={current === d.name ? 'page' : undefined}>
                        {d.kind === 'endpoint' ? <span className={`method m-${d.method}`}>{d.method}</span> : null}
                        <span className="side-name">{d.name}</span>
                        {d.draft ? <span className="dot" title="has an unpublished draft" aria-label="draft" /> : null}
                      </a>
                      <span className="side-actions">
                        <button type="button" className="icon-btn" aria-label={`Rename ${d.name}`} onClick={() => setRenaming(d.name)}><Icon name="edit" size={14} /></button>
                        <button type="button" className="icon-btn" aria-label={`Delete ${d.name}`} onClick={() => del(d.name)}><Icon name="trash" size={14} /></button>
                      </span>
                    </>
                  )}
                </li>
              ))}
            </ul>
          </div>
        );
      })}
    </nav>
  );
}

/** RenameCallers asks before renaming a definition that others use: each of them gets a new version using the new name. */
function RenameCallers({ ask, onRename, onCancel }: { ask: { name: string; to: string; callers: string[] }; onRename: () => Promise<void>; onCancel: () => void }) {
  const [busy, setBusy] = useState(false);
  const n = ask.callers.length;
  return (
    <div className="confirm rename-callers" role="alertdialog" aria-label={`Rename ${ask.name} and update its callers?`} aria-describedby={`rename-${ask.name}`}
      onKeyDown={(e) => e.key === 'Escape' && onCancel()}>
      <p id={`rename-${ask.name}`}><strong>{ask.name}</strong> is used by {n === 1 ? 'one definition' : `${n} definitions`}. Renaming it to <strong>{ask.to}</strong> updates {n === 1 ? 'it' : 'them'} too: a new version of each, published at once where the current version is live.</p>
      <ul className="deps-list" aria-label={`Definitions using ${ask.name}`}>{ask.callers.map((c) => <li key={c} data-caller={c}>{c}</li>)}</ul>
      <div className="row gap">
        <button type="button" className="btn small primary" autoFocus disabled={busy}
          onClick={async () => { setBusy(true); try { await onRename(); } finally { setBusy(false); } }}>Rename and update {n === 1 ? '1 definition' : `${n} definitions`}</button>
        <button type="button" className="btn small" onClick={onCancel}>Cancel</button>
      </div>
    </div>
  );
}

function NameForm({ label, initial = '', onSubmit, onCancel }: { label: string; initial?: string; onSubmit: (n: string) => void; onCancel: () => void }) {
  const [v, setV] = useState(initial);
  const ok = /^[a-z][a-z0-9_]*$/.test(v);
  return (
    <form className="name-form" onSubmit={(e) => (e.preventDefault(), ok && onSubmit(v))}>
      <input autoFocus aria-label={label} className="mono" value={v} placeholder="name_like_this" aria-invalid={!!v && !ok}
        onChange={(e) => setV(e.target.value)} onKeyDown={(e) => e.key === 'Escape' && onCancel()} />
      <button className="icon-btn" aria-label="OK" disabled={!ok}><Icon name="check" /></button>
      <button type="button" className="icon-btn" aria-label="Cancel" onClick={onCancel}><Icon name="x" /></button>
      {v && !ok ? <div className="hint">lower-case letters, digits and _, starting with a letter</div> : null}
    </form>
  );
}
