// An expression field with a value mode chip (text, number, true/false,
// ƒx), and the template field (text with {{ expression }} parts that
// complete and highlight like expressions). See modes.ts for how each
// mode writes its expression.
import { memo, useEffect, useRef, useState } from 'react';
import { CodeEditor, ExprField } from './ExprField';
import { convert, inferMode, literalMode, MODE_INFO, modesFor, parseNumber, quote, templateParts, unquote, type Mode } from './modes';
import { tokenize, type ScopeName } from './expr';
import type { Diagnostic } from './api';

interface Props {
  value: string;
  onChange: (v: string) => void;
  label: string;
  /** expects is the field's FieldSpec.expects (none: any value) */
  expects?: string;
  diagnostics?: Diagnostic[];
  scope?: () => ScopeName[];
  placeholder?: string;
  id?: string;
  autoEdit?: boolean;
}

function ValueFieldImpl(p: Props) {
  const modes = modesFor(p.expects);
  const [picked, setMode] = useState<Mode>(() => inferMode(p.value, modes, p.expects));
  const [menu, setMenu] = useState(false);
  // an outside change (undo, restore) that the picked mode cannot show is shown in the mode it reads as
  const mode = picked !== 'expr' && p.value.trim() && literalMode(p.value) !== picked ? inferMode(p.value, modes, p.expects) : picked;
  const pick = (m: Mode) => {
    if (m === mode) return;
    setMode(m);
    const next = convert(p.value, m);
    if (next !== p.value) p.onChange(next);
  };
  let input: React.ReactNode;
  const invalid = !!p.diagnostics?.some((d) => d.severity !== 'warning');
  switch (mode) {
    case 'text':
      input = <input id={p.id} className="mode-input" aria-label={p.label} aria-invalid={invalid || undefined} autoFocus={p.autoEdit} spellCheck={false}
        placeholder={p.placeholder && p.placeholder !== 'optional' ? p.placeholder : 'text'} value={unquote(p.value) ?? ''} onChange={(e) => p.onChange(quote(e.target.value))} />;
      break;
    case 'number':
      input = <NumberInput {...p} invalid={invalid} whole={p.expects === 'int'} />;
      break;
    case 'bool': {
      const on = p.value.trim() === 'true';
      input = (
        <button type="button" id={p.id} role="switch" aria-checked={on} aria-label={p.label} className={`mode-bool${on ? ' on' : ''}`} autoFocus={p.autoEdit}
          onClick={() => p.onChange(on ? 'false' : 'true')}>
          <span className="mode-knob" aria-hidden /> {on ? 'true' : 'false'}
        </button>
      );
      break;
    }
    default:
      input = <ExprField value={p.value} onChange={p.onChange} label={p.label} diagnostics={p.diagnostics} scope={p.scope} placeholder={p.placeholder} id={p.id} autoEdit={p.autoEdit} />;
  }
  // the chip is a plain button (a 500-step stack renders one per field); its menu mounts when opened
  return (
    <div className={`value-field m-${mode}`} data-mode={mode}>
      {modes.length > 1 ? (
        <button type="button" className={`mode-chip c-${mode}`} aria-haspopup="menu" aria-expanded={menu}
          aria-label={`${MODE_INFO[mode].chip}: ${p.label} is ${MODE_INFO[mode].name.toLowerCase()}; change the value type`} title={`${MODE_INFO[mode].name}: change the value type`}
          onClick={() => setMenu(!menu)} onKeyDown={(e) => { if (e.key === 'ArrowDown') (e.preventDefault(), setMenu(true)); }}>
          {MODE_INFO[mode].chip}
        </button>
      ) : null}
      {menu ? <ModeMenu modes={modes} mode={mode} label={p.label} onPick={pick} onClose={(refocus) => {
        setMenu(false);
        if (refocus) (document.activeElement as HTMLElement | null)?.closest('.value-field')?.querySelector<HTMLElement>('.mode-chip')?.focus();
      }} /> : null}
      {input}
    </div>
  );
}
export const ValueField = memo(ValueFieldImpl);

function NumberInput(p: Props & { invalid: boolean; whole: boolean }) {
  // what was typed, kept while it is not a number (the stored expression keeps the last number)
  const [draft, setDraft] = useState<string | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const errId = `${p.id ?? p.label}-num-err`;
  return (
    <div className="mode-number">
      <input id={p.id} className="mode-input" inputMode={p.whole ? 'numeric' : 'decimal'} aria-label={p.label} autoFocus={p.autoEdit}
        aria-invalid={err || p.invalid ? true : undefined} aria-describedby={err ? errId : undefined}
        placeholder={p.whole ? 'a whole number' : 'a number'} value={draft ?? p.value.trim()}
        onChange={(e) => {
          const t = e.target.value;
          if (!t.trim()) return setDraft(null), setErr(null), p.onChange('');
          const r = parseNumber(t, p.whole);
          if (r.ok) return setDraft(null), setErr(null), p.onChange(r.expr);
          setDraft(t);
          setErr(r.error);
        }}
        onBlur={() => { if (err) (setDraft(null), setErr(null)); }} />
      {err ? <div id={errId} className="mode-err" role="alert">{err}; the field keeps {p.value.trim() ? p.value.trim() : 'no value'}</div> : null}
    </div>
  );
}

/** ModeMenu lists the modes (a menu of radio items, keyboard-driven); a click elsewhere closes it. */
function ModeMenu({ modes, mode, label, onPick, onClose }: { modes: Mode[]; mode: Mode; label: string; onPick: (m: Mode) => void; onClose: (refocus: boolean) => void }) {
  const menu = useRef<HTMLDivElement>(null);
  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    (menu.current?.querySelector('[aria-checked=true]') as HTMLElement | null)?.focus();
    const chip = menu.current?.parentElement?.querySelector('.mode-chip');
    const down = (e: MouseEvent) => { if (!menu.current?.contains(e.target as Node) && !chip?.contains(e.target as Node)) close.current(false); };
    document.addEventListener('mousedown', down);
    return () => document.removeEventListener('mousedown', down);
  }, []);
  return (
    <div ref={menu} className="mode-menu" role="menu" aria-label={`Value type of ${label}`} onKeyDown={(e) => {
      const items = [...(menu.current?.querySelectorAll<HTMLElement>('[role=menuitemradio]') ?? [])];
      const i = items.indexOf(document.activeElement as HTMLElement);
      if (e.key === 'Escape' || e.key === 'Tab') (e.preventDefault(), e.stopPropagation(), onClose(true));
      else if (e.key === 'ArrowDown') (e.preventDefault(), items[(i + 1) % items.length]?.focus());
      else if (e.key === 'ArrowUp') (e.preventDefault(), items[(i - 1 + items.length) % items.length]?.focus());
    }}>
      {modes.map((m) => (
        <button key={m} type="button" role="menuitemradio" aria-checked={m === mode} className="mode-item" data-mode={m}
          onClick={() => (onPick(m), onClose(true))}>
          <span className={`mode-chip c-${m}`} aria-hidden>{MODE_INFO[m].chip}</span> {MODE_INFO[m].name}
        </button>
      ))}
    </div>
  );
}

/**
 * TemplateField is a template (text with {{ expression }} parts). Until it
 * is focused it is a plain input over a painted layer that highlights its
 * parts (light, and a browser's own input for a first keystroke or paste);
 * focus turns it into the expression editor in template mode: completion,
 * highlighting and help inside the parts, plain text outside them, and
 * the server's diagnostics underlined at their line and column.
 */
export const TemplateField = memo(function TemplateField({ id, value, onChange, label, invalid, diagnostics, scope, placeholder, autoFocus }:
  { id: string; value: string; onChange: (v: string) => void; label: string; invalid?: boolean; diagnostics?: Diagnostic[]; scope?: () => ScopeName[];
    placeholder?: string; autoFocus?: boolean }) {
  const [editing, setEditing] = useState<{ start?: { anchor: number; head: number } | { x: number; y: number } } | null>(autoFocus ? {} : null);
  const paint = useRef<HTMLDivElement>(null);
  const bad = invalid || !!diagnostics?.some((d) => d.severity !== 'warning');
  if (editing) {
    return <CodeEditor template value={value} onChange={onChange} label={label} diagnostics={diagnostics} scope={scope} placeholder={placeholder} id={id}
      invalid={bad} start={editing.start} className={`tpl tpl-edit${bad ? ' invalid' : ''}`} onDone={() => setEditing(null)} />;
  }
  const sync = (e: React.UIEvent<HTMLInputElement>) => { if (paint.current) paint.current.scrollLeft = e.currentTarget.scrollLeft; };
  return (
    <div className={`tpl${bad ? ' invalid' : ''}`}>
      <div ref={paint} className="tpl-paint" aria-hidden>
        {templateParts(value).map((s, i) => (s.part
          ? <span key={i} className={`tpl-part${s.closed ? '' : ' open'}`}>
              <span className="tpl-brace">{'{{'}</span>
              {tokenize(s.text.slice(2, s.closed ? -2 : undefined)).map(([t, k], j) => <span key={j} className={`tk-${k}`}>{t}</span>)}
              {s.closed ? <span className="tpl-brace">{'}}'}</span> : null}
            </span>
          : <span key={i}>{s.text}</span>))}
      </div>
      {/* a click opens the editor at the point clicked; a focus from the keyboard (or a label) keeps the input's selection */}
      <input id={id} className="tpl-input" aria-label={label} aria-invalid={bad || undefined} spellCheck={false}
        placeholder={placeholder} value={value} onChange={(e) => onChange(e.target.value)} onScroll={sync} onInput={sync} onKeyUp={sync} onSelect={sync}
        onMouseDown={(e) => { if (e.button === 0) (e.preventDefault(), setEditing({ start: { x: e.clientX, y: e.clientY } })); }}
        onFocus={(e) => {
          // read after the focus: select() focuses before it selects
          const el = e.currentTarget;
          queueMicrotask(() => setEditing({ start: { anchor: el.selectionStart ?? value.length, head: el.selectionEnd ?? value.length } }));
        }} />
    </div>
  );
});
