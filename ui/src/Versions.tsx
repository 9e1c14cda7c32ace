// Versions of a definition: history, a diff of any two, restore, publish.
import { useEffect, useState } from 'react';
import { api, type DefSummary } from './api';
import { Icon } from './icons';

type V = { version: number; created_at: string; published: boolean; published_at?: string; note?: string; hash?: string };

export function VersionsPanel({ name, onClose, onRestored, onPublished, toast }: { name: string; onClose: () => void; onRestored: () => void; onPublished: () => void; toast: (m: string, bad?: boolean) => void }) {
  const [items, setItems] = useState<V[] | null>(null);
  const [a, setA] = useState<number | null>(null);
  const [b, setB] = useState<number | null>(null);
  const [diff, setDiff] = useState<{ unified: string; changes: { path: string; op: string }[] } | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const load = () => api.versions(name).then((r) => {
    setItems(r.items);
    if (r.items.length >= 2) (setB(r.items[0].version), setA(r.items[1].version));
  }).catch((e) => setErr(e.message));
  useEffect(() => void load(), [name]);
  useEffect(() => {
    setDiff(null);
    if (a && b && a !== b) api.diff(name, Math.min(a, b), Math.max(a, b)).then(setDiff).catch((e) => setErr(e.message));
  }, [name, a, b]);
  const act = async (f: () => Promise<unknown>, msg: string, after: () => void) => {
    try {
      await f();
      toast(msg);
      after();
      load();
    } catch (e) {
      toast((e as Error).message, true);
    }
  };
  return (
    <aside className="side-panel" aria-label="Versions">
      <div className="panel-head">
        <h2><Icon name="history" /> Versions</h2>
        <button type="button" className="icon-btn" aria-label="Close versions" onClick={onClose}><Icon name="x" /></button>
      </div>
      {err ? <div className="alert err">{err}</div> : null}
      {!items ? <div className="muted">loading…</div> : (
        <table className="grid versions">
          <thead><tr><th>A</th><th>B</th><th>version</th><th>saved</th><th /></tr></thead>
          <tbody>
            {items.map((v) => (
              <tr key={v.version} className={v.published ? 'live' : ''}>
                <td><input type="radio" name="va" aria-label={`compare from v${v.version}`} checked={a === v.version} onChange={() => setA(v.version)} /></td>
                <td><input type="radio" name="vb" aria-label={`compare to v${v.version}`} checked={b === v.version} onChange={() => setB(v.version)} /></td>
                <td><strong>v{v.version}</strong> {v.published ? <span className="badge ok">live</span> : null}{v.note ? <div className="muted small">{v.note}</div> : null}</td>
                <td className="small muted" title={v.created_at}>{ago(v.created_at)}</td>
                <td className="row gap">
                  {!v.published ? <button type="button" className="btn small" onClick={() => act(() => api.publish(name, v.version), `published v${v.version}`, onPublished)}>Publish</button> : null}
                  {v.version !== items[0].version ? <button type="button" className="btn small" onClick={() => act(() => api.restore(name, v.version), `restored v${v.version} as a new draft`, onRestored)}>Restore</button> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {diff ? (
        <div className="diff">
          <h3>v{Math.min(a!, b!)} → v{Math.max(a!, b!)} <span className="muted small">{diff.changes.length} change{diff.changes.length === 1 ? '' : 's'}</span></h3>
          <pre className="unified">{diff.unified.split('\n').map((l, i) => (
            <div key={i} className={l.startsWith('+') && !l.startsWith('+++') ? 'add' : l.startsWith('-') && !l.startsWith('---') ? 'del' : l.startsWith('@@') ? 'hunk' : ''}>{l || ' '}</div>
          ))}</pre>
        </div>
      ) : null}
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
