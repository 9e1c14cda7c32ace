// The functions drawer: the server's expression functions (GET
// /_/api/functions) grouped by category, with search; Insert puts a call
// at the cursor of the expression field last edited.
import { useState } from 'react';
import { functionList } from './expr';
import { activeField } from './ExprField';
import { Icon } from './icons';

const ORDER = ['text', 'math', 'array', 'object', 'time', 'security', 'type'];

export function FunctionsPanel({ onClose }: { onClose: () => void }) {
  const [q, setQ] = useState('');
  const [note, setNote] = useState<string | null>(null);
  const n = q.trim().toLowerCase();
  const list = functionList().filter((f) => !n || f.name.toLowerCase().includes(n) || f.description.toLowerCase().includes(n));
  const cats = [...new Set(list.map((f) => f.category))].sort((a, b) => (ORDER.indexOf(a) + 99) % 99 - (ORDER.indexOf(b) + 99) % 99);
  const insert = (name: string) => {
    if (!activeField.insert) return setNote('Click into an expression field first; Insert puts the call at its cursor.');
    activeField.insert(`${name}(`);
    setNote(`Inserted ${name}( into ${activeField.label}`);
  };
  return (
    <aside className="side-panel fn-panel" aria-label="Functions">
      <div className="panel-head">
        <h2><Icon name="fn" /> Functions</h2>
        <button type="button" className="icon-btn" aria-label="Close functions" onClick={onClose}><Icon name="x" /></button>
      </div>
      <input type="search" className="palette-search" aria-label="Search functions" placeholder="Search functions…" value={q} onChange={(e) => setQ(e.target.value)} />
      {note ? <div className="muted small" role="status">{note}</div> : null}
      {cats.map((c) => (
        <details key={c} open={!!n || c === cats[0]} className="fn-cat" data-category={c}>
          <summary>{c} <span className="muted small">{list.filter((f) => f.category === c).length}</span></summary>
          <ul className="fn-list">
            {list.filter((f) => f.category === c).map((f) => (
              <li key={f.name} data-function={f.name}>
                <div className="fn-head">
                  <code className="fn-sig">{f.signature}</code>
                  <button type="button" className="btn small" aria-label={`Insert ${f.name}`} onMouseDown={(e) => e.preventDefault()} onClick={() => insert(f.name)}>Insert</button>
                </div>
                <div className="small">{f.description}</div>
                {f.example ? <div className="fn-ex mono small">{f.example}{f.result !== undefined ? ` → ${f.result}` : ''}</div> : null}
              </li>
            ))}
          </ul>
        </details>
      ))}
    </aside>
  );
}
