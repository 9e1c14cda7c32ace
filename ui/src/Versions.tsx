// Versions of a definition: the history with notes, a step-level diff of
// any two, publish with a note, restore after asking.
import { useEffect, useMemo, useState } from 'react';
import { api, type DefSummary } from './api';
import { dataApi } from './apiData';
import { Catalogue } from './doc';
import { Icon } from './icons';
import { diffDefinitions } from './stepdiff';
import { StepDiffView, WideDiff } from './StepDiff';
import { localTime } from './values';
import './data.css';

type V = { version: number; created_at: string; published: boolean; published_at?: string; note?: string; hash?: string };

// the step catalogue says which fields hold nested steps; read once
let catalogue: Promise<Catalogue> | null = null;
const loadCatalogue = () => (catalogue ??= api.steps().then((s) => new Catalogue(s)).catch((e) => ((catalogue = null), Promise.reject(e))));

export function VersionsPanel({ name, onClose, onRestored, onPublished, toast }: { name: string; onClose: () => void; onRestored: () => void; onPublished: () => void; toast: (m: string, bad?: boolean) => void }) {
  const [items, setItems] = useState<V[] | null>(null);
  const [a, setA] = useState<number | null>(null);
  const [b, setB] = useState<number | null>(null);
  const [contents, setContents] = useState<Record<number, any>>({});
  const [cat, setCat] = useState<Catalogue | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [ask, setAsk] = useState<{ what: 'restore' | 'publish'; version: number } | null>(null);
  const [note, setNote] = useState('');
  const [wide, setWide] = useState(false);
  const load = () => api.versions(name).then((r) => {
    setItems(r.items);
    if (r.items.length >= 2) (setB(r.items[0].version), setA(r.items[1].version));
  }).catch((e) => setErr(e.message));
  useEffect(() => void load(), [name]);
  useEffect(() => void loadCatalogue().then(setCat).catch(() => setCat(null)), []);
  useEffect(() => {
    for (const v of [a, b]) {
      if (v && !(v in contents)) api.definition(name, v).then((r) => setContents((c) => ({ ...c, [v]: r.content }))).catch((e) => setErr(e.message));
    }
  }, [name, a, b]);
  const [from, to] = a && b ? [Math.min(a, b), Math.max(a, b)] : [0, 0];
  const diff = useMemo(() => (from && to && from !== to && contents[from] && contents[to] ? diffDefinitions(contents[from], contents[to], cat) : null), [from, to, contents, cat]);
  const newest = items?.[0]?.version ?? 0;
  const act = async (f: () => Promise<unknown>, msg: string, after: () => void) => {
    try {
      await f();
      toast(msg);
      setAsk(null);
      setNote('');
      after();
      load();
    } catch (e) {
      toast((e as Error).message, true);
    }
  };
  const title = `${name}: v${from} → v${to}`;
  return (
    <aside className="side-panel" aria-label="Versions">
      <div className="panel-head">
        <h2><Icon name="history" /> Versions</h2>
        <button type="button" className="icon-btn" aria-label="Close versions" onClick={onClose}><Icon name="x" /></button>
      </div>
      {err ? <div className="alert err" role="alert">{err}</div> : null}
      {!items ? <div className="muted">loading…</div> : (
        <ol className="versions-list" aria-label={`Versions of ${name}`}>
          {items.map((v) => {
            const saved = localTime(v.created_at);
            return (
              <li key={v.version} className={v.published ? 'live' : ''} data-version={v.version}>
                <span className="v-pick">
                  <label><input type="radio" name="va" aria-label={`compare from v${v.version}`} checked={a === v.version} onChange={() => setA(v.version)} /> A</label>
                  <label><input type="radio" name="vb" aria-label={`compare to v${v.version}`} checked={b === v.version} onChange={() => setB(v.version)} /> B</label>
                </span>
                <span>
                  <span className="v-name">v{v.version}</span> {v.published ? <span className="badge ok">live</span> : null}
                  {v.version === newest && !v.published ? <span className="badge st-draft">draft</span> : null}
                  <span className="muted small" title={`${saved.text} (${v.created_at})`}> · saved {ago(v.created_at)}</span>
                </span>
                <span className="v-actions">
                  {!v.published ? <button type="button" className="btn small" onClick={() => (setAsk({ what: 'publish', version: v.version }), setNote(''))}>Publish</button> : null}
                  {v.version !== newest ? <button type="button" className="btn small" onClick={() => setAsk({ what: 'restore', version: v.version })}>Restore</button> : null}
                </span>
                {v.note ? <span className="v-note">{v.note}</span> : null}
                {ask?.version === v.version && ask.what === 'publish' ? (
                  <form className="publish-form" onSubmit={(e) => (e.preventDefault(), act(() => dataApi.publish(name, v.version, note.trim()), `Published v${v.version} of ${name}`, onPublished))}>
                    <input aria-label={`Note for v${v.version}`} placeholder="What changed? (optional)" maxLength={200} value={note} onChange={(e) => setNote(e.target.value)} autoFocus />
                    <button type="submit" className="btn small primary">Publish v{v.version}</button>
                    <button type="button" className="btn small" onClick={() => setAsk(null)}>Cancel</button>
                  </form>
                ) : null}
                {ask?.version === v.version && ask.what === 'restore' ? (
                  <div className="confirm" role="alertdialog" aria-label={`Restore v${v.version}?`} aria-describedby={`restore-${v.version}`}>
                    <p id={`restore-${v.version}`}>Restore v{v.version}? Its content becomes a new draft, v{newest + 1}; v{newest} stays in the history. What is live does not change until you publish. Unsaved edits in the editor are dropped.</p>
                    <div className="row gap">
                      <button type="button" className="btn small primary" autoFocus onClick={() => act(() => api.restore(name, v.version), `Restored v${v.version} as a new draft`, onRestored)}>Restore v{v.version}</button>
                      <button type="button" className="btn small" onClick={() => setAsk(null)}>Cancel</button>
                    </div>
                  </div>
                ) : null}
              </li>
            );
          })}
        </ol>
      )}
      {items && items.length < 2 ? <p className="muted small">Save a change to get a second version to compare.</p> : null}
      {from && to && from !== to ? (
        <section className="diff" aria-label="Differences">
          <h3>v{from} → v{to} <span className="spacer" /><button type="button" className="btn small" onClick={() => setWide(true)} disabled={!diff}>Open wide</button></h3>
          {diff ? <StepDiffView diff={diff} from={`v${from}`} to={`v${to}`} /> : <div className="muted small">loading…</div>}
        </section>
      ) : null}
      {wide && diff ? <WideDiff title={title} onClose={() => setWide(false)}><StepDiffView diff={diff} from={`v${from}`} to={`v${to}`} /></WideDiff> : null}
    </aside>
  );
}

export function ago(t?: string) {
  if (!t) return '';
  const s = (Date.now() - new Date(t).getTime()) / 1000;
  if (s < 60) return `${Math.max(0, Math.round(s))}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return new Date(t).toLocaleDateString();
}
export type { DefSummary };
