// The step-level diff of two versions, side by side: added, removed and
// changed steps (the changed fields old beside new), nested blocks inside
// their step, runs of unchanged steps folded. Texts are shown as written.
import { useEffect, useState } from 'react';
import { type DefDiff, type DiffRow, type FieldChange, show, summary } from './stepdiff';

const TAG: Record<DiffRow['kind'], string> = { same: '', added: 'added', removed: 'removed', changed: 'changed' };

export function StepDiffView({ diff, from, to }: { diff: DefDiff; from: string; to: string }) {
  const { added, removed, changed } = diff.counts;
  const nothing = !diff.fields.length && !added && !removed && !changed;
  return (
    <div className="sdiff" data-testid="step-diff">
      <div className="sdiff-legend small" aria-label="Summary of the changes">
        {nothing ? <span className="muted">No differences.</span> : null}
        {added ? <span className="sd-row added"><span className="sd-tag">added</span>{added} step{added === 1 ? '' : 's'}</span> : null}
        {removed ? <span className="sd-row removed"><span className="sd-tag">removed</span>{removed} step{removed === 1 ? '' : 's'}</span> : null}
        {changed ? <span className="sd-row changed"><span className="sd-tag">changed</span>{changed} step{changed === 1 ? '' : 's'}</span> : null}
      </div>
      <div className="sdiff-cols" aria-hidden="true"><span>{from}</span><span>{to}</span></div>
      {diff.fields.length ? (
        <div className="sd-row changed" data-diff="definition">
          <div className="sd-head"><span className="sd-side"><span className="sd-tag">changed</span>definition</span><span className="sd-side" /></div>
          <Fields list={diff.fields} />
        </div>
      ) : null}
      <Rows rows={diff.steps} />
    </div>
  );
}

function Rows({ rows }: { rows: DiffRow[] }) {
  // runs of more than 3 unchanged steps fold to a line that opens them
  const parts: (DiffRow | DiffRow[])[] = [];
  for (let i = 0; i < rows.length;) {
    if (rows[i].kind !== 'same') { parts.push(rows[i++]); continue; }
    let j = i;
    while (j < rows.length && rows[j].kind === 'same') j++;
    if (j - i > 3) parts.push(rows.slice(i, j));
    else parts.push(...rows.slice(i, j));
    i = j;
  }
  return (
    <ol className="sdiff-list">
      {parts.map((p, k) => (Array.isArray(p) ? <Folded key={k} rows={p} /> : <Row key={k} r={p} />))}
    </ol>
  );
}

function Folded({ rows }: { rows: DiffRow[] }) {
  const [open, setOpen] = useState(false);
  if (open) return <>{rows.map((r, k) => <Row key={k} r={r} />)}</>;
  return (
    <li className="sd-row same">
      <button type="button" className="link small" onClick={() => setOpen(true)}>{rows.length} unchanged steps ({rows[0].newNum}–{rows[rows.length - 1].newNum}): show</button>
    </li>
  );
}

function Row({ r }: { r: DiffRow }) {
  const left = r.old !== undefined ? `${r.oldNum}. ${summary(r.old)}` : null;
  const right = r.new !== undefined ? `${r.newNum}. ${summary(r.new)}` : null;
  return (
    <li className={`sd-row ${r.kind}`} data-diff={r.kind}>
      <div className="sd-head">
        <span className={`sd-side${left === null ? ' none' : ''}`}>{r.kind !== 'same' && left !== null ? <span className="sd-tag">{TAG[r.kind]}</span> : null}{left ?? 'not in this version'}
          {r.kind !== 'changed' && r.old?.description ? <span className="sd-desc">{r.old.description}</span> : null}</span>
        <span className={`sd-side${right === null ? ' none' : ''}`}>{r.kind !== 'same' && left === null ? <span className="sd-tag">{TAG[r.kind]}</span> : null}{right ?? 'not in this version'}
          {r.kind !== 'changed' && r.new?.description ? <span className="sd-desc">{r.new.description}</span> : null}</span>
      </div>
      {r.kind === 'changed' && r.fields.length ? <Fields list={r.fields} /> : null}
      {r.blocks.map((b, k) => (
        <div className="sd-fields" key={k}>
          <span className="sd-field-name">{b.label}</span>
          <Rows rows={b.rows} />
        </div>
      ))}
    </li>
  );
}

function Fields({ list }: { list: FieldChange[] }) {
  return (
    <div className="sd-fields">
      {list.map((f) => (
        <div key={f.name} className="sd-field" data-field-change={f.name}>
          <span className="sd-field-name">{f.name}</span>
          <div className="sd-field-vals">
            <span className={`sd-old${f.old === undefined ? ' none' : ''}`}>{f.old === undefined ? 'not set' : show(f.old)}</span>
            <span className={`sd-new${f.new === undefined ? ' none' : ''}`}>{f.new === undefined ? 'not set' : show(f.new)}</span>
          </div>
        </div>
      ))}
    </div>
  );
}

/** WideDiff shows a diff across the window (Esc or the button closes it). */
export function WideDiff({ title, onClose, children }: { title: string; onClose: () => void; children: React.ReactNode }) {
  useEffect(() => {
    const k = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', k);
    return () => window.removeEventListener('keydown', k);
  }, [onClose]);
  return (
    <>
      <div className="sdiff-backdrop" onClick={onClose} />
      <div className="sdiff-wide" role="dialog" aria-modal="true" aria-label={title}>
        <div className="panel-head"><h2>{title}</h2><button type="button" className="btn" onClick={onClose} autoFocus>Close</button></div>
        {children}
      </div>
    </>
  );
}
