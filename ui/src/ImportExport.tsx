// Import and export the whole workspace as JSON.
import { useState } from 'react';
import { api } from './api';
import { Icon } from './icons';

export function ImportExport({ toast, onDone }: { toast: (m: string, bad?: boolean) => void; onDone: () => void }) {
  const [text, setText] = useState('');
  const [publish, setPublish] = useState(true);
  const [force, setForce] = useState(false);
  const [drafts, setDrafts] = useState(false);
  const [result, setResult] = useState<{ created: string[]; updated: string[]; unchanged: string[] } | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const exportAll = async () => {
    try {
      const r = await api.exportAll(drafts);
      const blob = new Blob([JSON.stringify(r, null, 2)], { type: 'application/json' });
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = `funcstack-workspace-${new Date().toISOString().slice(0, 10)}.json`;
      a.click();
      URL.revokeObjectURL(a.href);
      toast(`Exported ${r.definitions.length} definitions`);
    } catch (e) {
      toast((e as Error).message, true);
    }
  };
  const doImport = async () => {
    setErr(null);
    setResult(null);
    let defs: any[];
    try {
      const v = JSON.parse(text);
      defs = Array.isArray(v) ? v : Array.isArray(v.definitions) ? v.definitions : [v];
    } catch (e) {
      return setErr(`not JSON: ${(e as Error).message}`);
    }
    try {
      const r = await api.importAll(defs, publish, force);
      setResult(r);
      onDone();
    } catch (e: any) {
      setErr(e.diagnostics?.length ? `${e.message}\n${e.diagnostics.map((d: any) => `${d.definition}: ${d.path}: ${d.message}`).join('\n')}` : e.message);
    }
  };
  return (
    <div className="page">
      <h1><Icon name="upload" /> Import / Export</h1>
      <section className="panel">
        <h2 className="section-title">Export</h2>
        <p className="muted">Download every published definition as one JSON file, or the newest versions with the drafts.</p>
        <div className="row gap">
          <label className="check"><input type="checkbox" checked={drafts} onChange={(e) => setDrafts(e.target.checked)} /> include drafts</label>
          <button type="button" className="btn" onClick={exportAll}><Icon name="download" /> Export workspace</button>
        </div>
      </section>
      <section className="panel">
        <h2 className="section-title">Import</h2>
        <p className="muted">Paste <code>{'{"definitions": [...]}'}</code>, a list of definitions or one definition, or load a file.</p>
        <input type="file" accept="application/json,.json" aria-label="Import file" onChange={async (e) => { const f = e.target.files?.[0]; if (f) setText(await f.text()); }} />
        <textarea className="json-input" rows={12} aria-label="Definitions JSON" value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} />
        <div className="row gap">
          <label className="check"><input type="checkbox" checked={publish} onChange={(e) => setPublish(e.target.checked)} /> publish</label>
          <label className="check"><input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} /> force</label>
          <button type="button" className="btn primary" onClick={doImport} disabled={!text.trim()}><Icon name="upload" /> Import</button>
        </div>
        {err ? <pre className="alert err" role="alert">{err}</pre> : null}
        {result ? <div className="alert ok">created: {result.created.join(', ') || '—'} · updated: {result.updated.join(', ') || '—'} · unchanged: {result.unchanged.join(', ') || '—'}</div> : null}
      </section>
    </div>
  );
}
