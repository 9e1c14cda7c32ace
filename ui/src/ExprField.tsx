// An expression field. Until it is focused it is a light, highlighted
// static view (a 500-step stack opens fast); focus turns it into a
// CodeMirror 6 editor with highlighting, completion of the names in
// scope and the server's diagnostics underlined at their position.
// CodeEditor with template set is the same editor for a template field
// (text with {{ expression }} parts): its parts complete, highlight and
// show help like an expression; its text stays plain text.
import { memo, startTransition, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { EditorState, Prec, StateField, type Extension } from '@codemirror/state';
import { Decoration, EditorView, hoverTooltip, keymap, placeholder as cmPlaceholder, type DecorationSet } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { acceptCompletion, autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap, startCompletion } from '@codemirror/autocomplete';
import { syntaxHighlighting, HighlightStyle, bracketMatching } from '@codemirror/language';
import { setDiagnostics } from '@codemirror/lint';
import { tags as t } from '@lezer/highlight';
import { completeFrom, completeTemplate, exprLanguage, fnInfo, hoverAt, templateLanguage, tokenize, type ScopeName } from './expr';
import { templatePartAt, templateParts } from './modes';

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
  { tag: t.brace, class: 'tpl-brace' },
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
    <CodeEditor value={value} onChange={onChange} label={label} diagnostics={diagnostics} scope={scope} placeholder={placeholder} id={id}
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

interface EditorProps extends Props {
  invalid: boolean;
  onDone: () => void;
  /** a template field: text with {{ expression }} parts */
  template?: boolean;
  /** where the editor opens with its selection (a static field's), or the point clicked; else at the end */
  start?: { anchor: number; head: number } | { x: number; y: number };
  className?: string;
}

/** CodeEditor is the CodeMirror editor of an expression field, or (template) of a template field. */
export function CodeEditor(p: EditorProps) {
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
          p.template ? templateExtensions : exprLanguage,
          syntaxHighlighting(highlight),
          autocompletion({ override: [(p.template ? completeTemplate : completeFrom)(() => latest.current.scope?.() ?? [])], icons: false, activateOnTyping: true,
            // every name and function of the catalogue stays reachable by scrolling the list (CodeMirror renders 100 by default)
            maxRenderedOptions: 400 }),
          keymap.of([...closeBracketsKeymap, ...completionKeymap, { key: 'Tab', run: acceptCompletion }, ...historyKeymap,
            // a template is one line, like the input it replaces: Enter (when no completion is open) adds no line break
            ...(p.template ? [{ key: 'Enter', run: () => true }] : []), ...defaultKeymap,
            { key: 'Escape', run: (v) => (v.contentDOM.blur(), true) }, { key: 'Ctrl-Space', run: startCompletion }]),
          hoverTooltip((view, pos) => {
            const src = view.state.doc.toString();
            if (p.template && !templatePartAt(src, pos)) return null;
            const h = hoverAt(src, pos, latest.current.scope?.() ?? []);
            if (!h) return null;
            return { pos: h.from, end: h.to, above: true, create: () => {
              const dom = h.fn ? fnInfo(h.fn) : Object.assign(document.createElement('div'), { className: 'fn-info', textContent: h.text ?? '' });
              dom.setAttribute('data-testid', 'hover-help');
              return { dom };
            } };
          }, { hoverTime: 250 }),
          cmPlaceholder(p.placeholder ?? (p.template ? 'text, with {{ expression }} parts' : 'expression')),
          EditorView.lineWrapping,
          theme,
          p.template ? templateTheme : [],
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
    // (in a template's text, as a new {{ }} part)
    const insert = (text: string) => {
      const cur = view.current;
      const doc = cur ? cur.state.doc.toString() : latest.current.value;
      const r = cur ? cur.state.selection.main : { from: Math.min(lastAt.current, doc.length), to: Math.min(lastAt.current, doc.length) };
      const wrap = p.template && !templatePartAt(doc, r.from);
      const ins = wrap ? `{{${text}}}` : text;
      const at = r.from + (wrap ? 2 : 0) + text.length;
      if (cur) {
        cur.dispatch({ changes: { from: r.from, to: r.to, insert: ins }, selection: { anchor: at } });
        cur.focus();
        return;
      }
      lastAt.current = at;
      latest.current.onChange(doc.slice(0, r.from) + ins + doc.slice(r.to));
    };
    activeField.insert = insert;
    activeField.label = p.label;
    v.focus();
    const len = v.state.doc.length;
    const st = p.start;
    if (st && 'x' in st) v.dispatch({ selection: { anchor: v.posAtCoords(st) ?? len } });
    else if (st) v.dispatch({ selection: { anchor: Math.min(st.anchor, len), head: Math.min(st.head, len) } });
    else v.dispatch({ selection: { anchor: len } });
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
      if (p.template) return { ...templateDiagRange(v.state.doc.toString(), d.message), severity: d.severity === 'warning' ? ('warning' as const) : ('error' as const), message: d.message };
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

  return <div ref={host} className={p.className ?? `expr expr-edit${p.invalid ? ' invalid' : ''}`} />;
}

// ---------- templates ----------

/** partMarks marks each {{ }} part of a template (an unclosed one apart), outside the highlighting so that a part stays one element. */
function partMarks(src: string): DecorationSet {
  const marks = templateParts(src).filter((s) => s.part && s.text)
    .map((s) => Decoration.mark({ class: `tpl-part${s.closed ? '' : ' open'}` }).range(s.from, s.from + s.text.length));
  return Decoration.set(marks);
}
const partMarksField = StateField.define<DecorationSet>({
  create: (st) => partMarks(st.doc.toString()),
  update: (marks, tr) => (tr.docChanged ? partMarks(tr.state.doc.toString()) : marks),
  provide: (f) => EditorView.outerDecorations.from(f),
});

/**
 * templateExtensions: the template language and its part marks; brackets
 * and quotes close only inside a part (prose keeps its own apostrophes);
 * typing {{ in the text adds its }} and opens the completion; typing }
 * before a part's }} steps over it; pasted line breaks become spaces.
 */
const templateExtensions: Extension = [
  templateLanguage,
  partMarksField,
  EditorState.languageData.of((state, pos) => [{
    closeBrackets: templatePartAt(state.doc.toString(), pos) ? { brackets: ['(', '[', '{', "'", '"'] } : { brackets: [] },
  }]),
  Prec.high(EditorView.inputHandler.of((view, from, to, text) => {
    const doc = view.state.doc.toString();
    if (text === '{' && doc[from - 1] === '{') {
      const next = doc.slice(0, from) + '{' + doc.slice(to);
      const part = templatePartAt(next, from + 1);
      if (!part || part.from !== from - 1 || part.closed) return false;
      view.dispatch({ changes: { from, to, insert: '{}}' }, selection: { anchor: from + 1 }, userEvent: 'input.type', scrollIntoView: true });
      startCompletion(view);
      return true;
    }
    if (text === '}' && from === to) {
      const close = templateParts(doc).find((s) => s.part && s.closed && (from === s.from + s.text.length - 2 || from === s.from + s.text.length - 1));
      if (!close) return false;
      view.dispatch({ selection: { anchor: from + 1 }, userEvent: 'select', scrollIntoView: true });
      return true;
    }
    return false;
  })),
  EditorView.clipboardInputFilter.of((text) => text.replace(/\r?\n/g, ' ')),
];

const templateTheme = EditorView.theme({
  '.cm-content': { padding: '5px 0' },
  '.cm-scroller': { lineHeight: '20px' },
});

/** offsetOf is the offset in src of line and column (from 1, in characters, as the server counts them). */
function offsetOf(src: string, line: number, col: number): number {
  let at = 0;
  for (let l = 1; l < line; l++) {
    const nl = src.indexOf('\n', at);
    if (nl < 0) return src.length;
    at = nl + 1;
  }
  for (let c = 1; c < col && at < src.length && src[at] !== '\n'; c++) at += src.codePointAt(at)! > 0xffff ? 2 : 1;
  return at;
}

/**
 * templateDiagRange places a server diagnostic of a template field: its
 * message names the line and column in the whole template ("unknown name
 * prodct (1:8)", "{{ at 1:6 is never closed"). An unknown name is
 * underlined whole, an unclosed or empty part from its {{, anything else
 * at its character; a message without a place covers the template.
 */
export function templateDiagRange(src: string, message: string): { from: number; to: number } {
  const m = /\((\d+):(\d+)\)\s*$/.exec(message) ?? /\bat (\d+):(\d+)\b/.exec(message);
  if (!m) return { from: 0, to: src.length };
  const from = Math.min(offsetOf(src, +m[1], +m[2]), src.length);
  const name = /unknown name (\w+)/.exec(message);
  if (name && src.startsWith(name[1], from)) return { from, to: from + name[1].length };
  if (src.startsWith('{{', from)) {
    const part = templateParts(src).find((s) => s.part && s.from === from);
    return { from, to: part && /is empty/.test(message) ? from + part.text.length : Math.min(src.length, from + 2) };
  }
  return { from, to: Math.min(src.length, from + 1) };
}
