// expr-lang support for the expression fields: a tokenizer shared by the
// CodeMirror language (highlighting while editing) and the static
// rendering of fields that are not being edited, and the completion of
// the names in scope; and the template language (text with
// {{ expression }} parts) that reuses them inside its parts.
import { StreamLanguage, type StringStream } from '@codemirror/language';
import type { CompletionContext, CompletionResult } from '@codemirror/autocomplete';
import type { FnDoc } from './api';
import { templatePartAt } from './modes';

export const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'matches', 'contains', 'startsWith', 'endsWith', 'let', 'if', 'else', 'nil', 'true', 'false']);
export const BUILTINS = [
  'len', 'all', 'none', 'any', 'one', 'filter', 'map', 'find', 'findIndex', 'findLast', 'findLastIndex', 'count', 'sum', 'groupBy', 'sortBy',
  'reduce', 'abs', 'ceil', 'floor', 'round', 'max', 'min', 'mean', 'median', 'int', 'float', 'string', 'type', 'toJSON', 'fromJSON',
  'toBase64', 'fromBase64', 'now', 'duration', 'date', 'timezone', 'trim', 'trimPrefix', 'trimSuffix', 'upper', 'lower', 'split', 'splitAfter',
  'replace', 'repeat', 'indexOf', 'lastIndexOf', 'hasPrefix', 'hasSuffix', 'first', 'last', 'get', 'take', 'keys', 'values', 'toPairs',
  'fromPairs', 'flatten', 'uniq', 'concat', 'join', 'reverse', 'sort', 'append', 'bitand', 'bitor',
];
const BUILTIN_SET = new Set(BUILTINS);

/** The expression functions of the server's catalogue (GET /_/api/functions), loaded once after sign-in. */
export const fnDocs = new Map<string, FnDoc>();
let fnList: FnDoc[] = [];
export function setFunctions(list: FnDoc[]) {
  fnList = list;
  fnDocs.clear();
  for (const f of list) (fnDocs.set(f.name, f), BUILTIN_SET.add(f.name));
}
export const functionList = () => fnList;
/** fnInfo is a function's help as a completion or hover shows it. */
export function fnInfo(f: FnDoc): HTMLElement {
  const el = document.createElement('div');
  el.className = 'fn-info';
  const sig = document.createElement('div');
  sig.className = 'fn-sig';
  sig.textContent = f.signature;
  const d = document.createElement('div');
  d.textContent = f.description;
  el.append(sig, d);
  if (f.example) {
    const ex = document.createElement('div');
    ex.className = 'fn-ex';
    ex.textContent = `${f.example}${f.result !== undefined ? ` → ${f.result}` : ''}`;
    el.append(ex);
  }
  return el;
}

export type Tok = 'string' | 'number' | 'keyword' | 'atom' | 'builtin' | 'variable' | 'property' | 'operator' | 'punct' | 'space' | 'invalid';

function next(stream: StringStream, state: { prevDot: boolean }): Tok {
  if (stream.eatSpace()) return 'space';
  const ch = stream.peek()!;
  if (ch === '"' || ch === "'" || ch === '`') {
    stream.next();
    let escaped = false;
    for (;;) {
      const c = stream.next();
      if (c === undefined) break;
      if (c === ch && !escaped) break;
      escaped = !escaped && c === '\\';
    }
    state.prevDot = false;
    return 'string';
  }
  if (/[0-9]/.test(ch)) {
    stream.match(/^(0x[0-9a-fA-F_]+|[0-9_]*\.?[0-9_]*(e[+-]?[0-9]+)?)/);
    state.prevDot = false;
    return 'number';
  }
  if (/[A-Za-z_$]/.test(ch)) {
    stream.match(/^[A-Za-z_$][A-Za-z0-9_$]*/);
    const w = stream.current();
    const wasDot = state.prevDot;
    state.prevDot = false;
    if (wasDot) return 'property';
    if (w === 'true' || w === 'false' || w === 'nil') return 'atom';
    if (KEYWORDS.has(w)) return 'keyword';
    if (BUILTIN_SET.has(w) && stream.match(/^\s*\(/, false)) return 'builtin';
    return 'variable';
  }
  if (stream.match(/^(\?\.|\?\?|\.\.|==|!=|<=|>=|&&|\|\||\*\*|[-+*/%<>!=?:|^])/)) {
    state.prevDot = stream.current() === '?.';
    return 'operator';
  }
  stream.next();
  state.prevDot = ch === '.';
  return ch === '.' || /[()[\]{},#]/.test(ch) ? 'punct' : 'invalid';
}

const styleOf: Record<Tok, string | null> = {
  string: 'string', number: 'number', keyword: 'keyword', atom: 'atom', builtin: 'function', variable: 'variableName',
  property: 'propertyName', operator: 'operator', punct: 'punctuation', space: null, invalid: 'invalid',
};

export const exprLanguage = StreamLanguage.define<{ prevDot: boolean }>({
  name: 'expr',
  startState: () => ({ prevDot: false }),
  token: (stream, state) => styleOf[next(stream, state)],
  languageData: { closeBrackets: { brackets: ['(', '[', '{', "'", '"'] } },
});

/**
 * templateLanguage highlights a template (engine/template.go): its text is
 * plain, each {{ }} part an expression. A part ends at the first }}
 * outside its quotes (a string is one token) and braces, as the server
 * reads it; the braces are tagged brace.
 */
export const templateLanguage = StreamLanguage.define<{ part: boolean; depth: number; prevDot: boolean }>({
  name: 'template',
  startState: () => ({ part: false, depth: 0, prevDot: false }),
  token: (stream, state) => {
    if (!state.part) {
      if (stream.match('{{')) return (state.part = true, state.depth = 0, state.prevDot = false, 'brace');
      if (!stream.skipTo('{{')) stream.skipToEnd();
      return null;
    }
    if (state.depth === 0 && stream.match('}}')) return (state.part = false, 'brace');
    const ch = stream.peek();
    if (ch === '{') state.depth++;
    else if (ch === '}' && state.depth > 0) state.depth--;
    return styleOf[next(stream, state)];
  },
});

/** tokenize splits an expression into [text, token] runs for static rendering. */
export function tokenize(src: string): [string, Tok][] {
  const out: [string, Tok][] = [];
  const state = { prevDot: false };
  for (const line of src.split('\n').entries()) {
    if (line[0] > 0) out.push(['\n', 'space']);
    // a tiny StringStream stand-in: CodeMirror's own works on one line
    const s = line[1];
    let pos = 0;
    const stream = {
      pos: 0, start: 0, string: s,
      eol: () => stream.pos >= s.length,
      peek: () => (stream.pos < s.length ? s[stream.pos] : undefined),
      next: () => (stream.pos < s.length ? s[stream.pos++] : undefined),
      eatSpace: () => { const st = stream.pos; while (stream.pos < s.length && /\s/.test(s[stream.pos])) stream.pos++; return stream.pos > st; },
      match: (re: RegExp, consume = true) => {
        const m = s.slice(stream.pos).match(re);
        if (!m || m.index !== 0) return null;
        if (consume !== false) stream.pos += m[0].length;
        return m;
      },
      current: () => s.slice(stream.start, stream.pos),
    };
    while (pos < s.length) {
      stream.start = stream.pos = pos;
      const t = next(stream as unknown as StringStream, state);
      if (stream.pos === pos) stream.pos++;
      out.push([s.slice(pos, stream.pos), t]);
      pos = stream.pos;
    }
  }
  return out;
}

export interface ScopeName {
  name: string;
  detail: string;
  fields?: string[];
  /** types of the fields, when known (a table's columns) */
  types?: Record<string, string>;
}

/** completeFrom makes a CodeMirror completion source from the names in scope (asked lazily). */
export function completeFrom(scope: () => ScopeName[]) {
  return (ctx: CompletionContext): CompletionResult | null => {
    const member = ctx.matchBefore(/[A-Za-z_][A-Za-z0-9_]*\??\.[A-Za-z0-9_]*$/);
    const names = scope();
    if (member) {
      const [base] = member.text.split(/\??\./);
      const n = names.find((x) => x.name === base);
      if (!n?.fields?.length) return null;
      const dot = member.text.lastIndexOf('.');
      return { from: member.from + dot + 1, options: n.fields.map((f) => ({ label: f, type: 'property', detail: n.types?.[f] ?? `${base} field` })), validFor: /^[A-Za-z0-9_]*$/ };
    }
    const word = ctx.matchBefore(/[A-Za-z_][A-Za-z0-9_]*$/);
    if (!word && !ctx.explicit) return null;
    return {
      from: word ? word.from : ctx.pos,
      options: [
        ...names.map((n) => ({ label: n.name, type: 'variable', detail: n.detail, boost: 10 })),
        ...fnList.map((f) => ({ label: f.name, type: 'function', detail: f.signature.replace(/^[^(]*/, ''), info: () => fnInfo(f), apply: `${f.name}(`, section: f.category })),
        ...BUILTINS.filter((b) => !fnDocs.has(b)).map((b) => ({ label: b, type: 'function', detail: 'builtin', apply: `${b}(` })),
        ...['true', 'false', 'nil'].map((k) => ({ label: k, type: 'keyword' })),
      ],
      validFor: /^[A-Za-z0-9_]*$/,
    };
  };
}

/** hoverText is the help for the name at pos in src: a function's signature and doc, a variable's or column's detail. */
export function hoverAt(src: string, pos: number, scope: ScopeName[]): { from: number; to: number; fn?: FnDoc; text?: string } | null {
  let from = pos, to = pos;
  while (from > 0 && /[A-Za-z0-9_]/.test(src[from - 1])) from--;
  while (to < src.length && /[A-Za-z0-9_]/.test(src[to])) to++;
  if (from === to) return null;
  const word = src.slice(from, to);
  const dot = src[from - 1] === '.';
  if (dot) {
    let b = from - 1;
    while (b > 0 && /[A-Za-z0-9_]/.test(src[b - 1])) b--;
    const base = scope.find((n) => n.name === src.slice(b, from - 1));
    if (base?.fields?.includes(word)) return { from, to, text: `${base.name}.${word}${base.types?.[word] ? `: ${base.types[word]}` : ''} (${base.detail})` };
    return null;
  }
  const f = fnDocs.get(word);
  if (f && /^\s*\(/.test(src.slice(to))) return { from, to, fn: f };
  const n = scope.find((x) => x.name === word);
  if (n) return { from, to, text: `${n.name}: ${n.detail}` };
  if (f) return { from, to, fn: f };
  return null;
}

/** completeTemplate completes like completeFrom inside a template's {{ }} parts, and never in its text. */
export function completeTemplate(scope: () => ScopeName[]) {
  const inner = completeFrom(scope);
  return (ctx: CompletionContext): CompletionResult | null =>
    templatePartAt(ctx.state.doc.toString(), ctx.pos) ? inner(ctx) : null;
}
