// An expression field. Until it is focused it is a light, highlighted
// static view (a 500-step stack opens fast); focus turns it into a
// CodeMirror 6 editor with highlighting, completion of the names in
// scope and the server's diagnostics underlined at their position.
import { memo, startTransition, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { EditorState } from '@codemirror/state';
import { EditorView, hoverTooltip, keymap, placeholder as cmPlaceholder } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap, startCompletion } from '@codemirror/autocomplete';
import { syntaxHighlighting, HighlightStyle, bracketMatching } from '@codemirror/language';
import { setDiagnostics } from '@codemirror/lint';
import { tags as t } from '@lezer/highlight';
import { completeFrom, exprLanguage, fnInfo, hoverAt, tokenize, type ScopeName } from './expr';

/** activeField is the expression field last edited: the functions drawer inserts a call there. */
export const activeField: { insert: ((text: string) => void) | null; label: string } = { insert: null, label: '' };
import type { Diagnostic } from './api';

const highlight = HighlightStyle.define([
  { tag: t.string, class: 'tk-string' },
  { tag: t.number, class: 'tk-number' },
  { tag: t.keyword, class: 'tk-keyword' },
  { tag: t.atom, class: 'tk-atom' },
  { tag: t.function(t.variableName), class: 'tk-builtin' },
  { tag: t.variableName, class: 'tk-variable' },
  { tag: t.propertyName, class: 'tk-property' },
  { tag: t.operator, class: 'tk-operator' },
  { tag: t.punctuation, class: 'tk-punct' },
  { tag: t.invalid, class: 'tk-invalid' },
]);
const theme = EditorView.theme({
  '&': { fontSize: '13px' },
  '&.cm-focused': { outline: 'none' },
  '.cm-content': { fontFamily: 'var(--mono)', padding: '5px 0' },
  '.cm-line': { padding: '0 8px' },
  '.cm-scroller': { lineHeight: '1.45' },
});

interface Props {
  value: string;
  onChange: (v: string) => void;
  label: string;
  diagnostics?: Diagnostic[];
  scope?: () => ScopeName[];
  placeholder?: string;
  id?: string;
  autoEdit?: boolean;
}

function ExprFieldImpl({ value, onChange, label, diagnostics, scope, placeholder, id, autoEdit }: Props) {
  const [editing, setEditing] = useState(!!autoEdit);
  const invalid = !!diagnostics?.some((d) => d.severity !== 'warning');
  if (!editing) {
    return (
      <div
        id={id}
        className={`expr expr-static${invalid ? ' invalid' : ''}`}
        role="textbox"
        aria-label={label}
        aria-invalid={invalid || undefined}
        tabIndex={0}
        onFocus={() => setEditing(true)}
        onMouseDown={(e) => {
          e.preventDefault();
          setEditing(true);
        }}
      >
        {value ? <Static src={value} /> : <span className="expr-ph">{placeholder ?? 'expression'}</span>}
      </div>
    );
  }
  return (
    <Editor value={value} onChange={onChange} label={label} diagnostics={diagnostics} scope={scope} placeholder={placeholder} id={id}
      invalid={invalid} onDone={() => setEditing(false)} />
  );
}
export const ExprField = memo(ExprFieldImpl);

function Static({ src }: { src: string }) {
  return (
    <>
      {tokenize(src).map(([text, tok], i) => (tok === 'space' ? text : <span key={i} className={`tk-${tok}`}>{text}</span>))}
    </>
  );
}

function Editor(p: Props & { invalid: boolean; onDone: () => void }) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const pending = useRef<string | null>(null); // the last text sent up, until it comes back as value
  const latest = useRef(p);
  latest.current = p;
  const lastAt = useRef(0);

  useLayoutEffect(() => {
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: p.value,
        extensions: [
          history(),
          closeBrackets(),
          bracketMatching(),
          exprLanguage,
          syntaxHighlighting(highlight),
          autocompletion({ override: [completeFrom(() => latest.current.scope?.() ?? [])], icons: false, activateOnTyping: true }),
          keymap.of([...closeBracketsKeymap, ...completionKeymap, ...historyKeymap, ...defaultKeymap,
            { key: 'Escape', run: (v) => (v.contentDOM.blur(), true) }, { key: 'Ctrl-Space', run: startCompletion }]),
          hoverTooltip((view, pos) => {
            const h = hoverAt(view.state.doc.toString(), pos, latest.current.scope?.() ?? []);
            if (!h) return null;
            return { pos: h.from, end: h.to, above: true, create: () => {
              const dom = h.fn ? fnInfo(h.fn) : Object.assign(document.createElement('div'), { className: 'fn-info', textContent: h.text ?? '' });
              dom.setAttribute('data-testid', 'hover-help');
              return { dom };
            } };
          }, { hoverTime: 250 }),
          cmPlaceholder(p.placeholder ?? 'expression'),
          EditorView.lineWrapping,
          theme,
          EditorView.contentAttributes.of({ 'aria-label': p.label, ...(p.id ? { id: p.id } : {}) }),
          EditorView.updateListener.of((u) => {
            if (!u.docChanged) return;
            // the editor paints the keystroke at once; the rest of the page
            // (the document, validation, dirty state) follows as a transition
            const text = u.state.doc.toString();
            pending.current = text;
            startTransition(() => latest.current.onChange(text));
          }),
          EditorView.domEventHandlers({
            blur: (_e, v) => {
              lastAt.current = v.state.selection.main.head;
              // leave editing when focus really left (not to the completion list)
              setTimeout(() => { if (!v.hasFocus) latest.current.onDone(); }, 0);
              return false;
            },
          }),
        ],
      }),
    });
    view.current = v;
    // the functions drawer inserts at the cursor: in this editor while it lives, else into the text at the last cursor
    lastAt.current = p.value.length;
    const insert = (text: string) => {
      const cur = view.current;
      if (cur) {
        const r = cur.state.selection.main;
        cur.dispatch({ changes: { from: r.from, to: r.to, insert: text }, selection: { anchor: r.from + text.length } });
        cur.focus();
        return;
      }
      const val = latest.current.value;
      const at = Math.min(lastAt.current, val.length);
      latest.current.onChange(val.slice(0, at) + text + val.slice(at));
    };
    activeField.insert = insert;
    activeField.label = p.label;
    v.focus();
    v.dispatch({ selection: { anchor: v.state.doc.length } });
    return () => { v.destroy(); view.current = null; };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // outside changes (undo, restore) flow into the editor
  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const doc = v.state.doc.toString();
    if (doc === p.value) pending.current = null;
    else if (pending.current === null) v.dispatch({ changes: { from: 0, to: doc.length, insert: p.value } });
  }, [p.value]);

  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const len = v.state.doc.length;
    const ds = (p.diagnostics ?? []).map((d) => {
      let from = 0;
      if (d.line && d.col) {
        const line = v.state.doc.line(Math.min(d.line, v.state.doc.lines));
        from = Math.min(line.from + d.col - 1, len);
      }
      const m = /unknown name (\w+)/.exec(d.message);
      const at = m ? v.state.doc.toString().indexOf(m[1], from) : -1;
      const start = at >= 0 ? at : from;
      const end = at >= 0 ? at + m![1].length : Math.min(len, from + 1) || len;
      return { from: start, to: Math.max(start, end), severity: d.severity === 'warning' ? ('warning' as const) : ('error' as const), message: d.message };
    });
    v.dispatch(setDiagnostics(v.state, ds));
  }, [p.diagnostics]);

  return <div ref={host} className={`expr expr-edit${p.invalid ? ' invalid' : ''}`} />;
}
