// expr-lang support for the expression fields: a tokenizer shared by the
// CodeMirror language (highlighting while editing) and the static
// rendering of fields that are not being edited, and the completion of
// the names in scope.
import { StreamLanguage, type StringStream } from '@codemirror/language';
import type { CompletionContext, CompletionResult } from '@codemirror/autocomplete';

export const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'matches', 'contains', 'startsWith', 'endsWith', 'let', 'if', 'else', 'nil', 'true', 'false']);
export const BUILTINS = [
  'len', 'all', 'none', 'any', 'one', 'filter', 'map', 'find', 'findIndex', 'findLast', 'findLastIndex', 'count', 'sum', 'groupBy', 'sortBy',
  'reduce', 'abs', 'ceil', 'floor', 'round', 'max', 'min', 'mean', 'median', 'int', 'float', 'string', 'type', 'toJSON', 'fromJSON',
  'toBase64', 'fromBase64', 'now', 'duration', 'date', 'timezone', 'trim', 'trimPrefix', 'trimSuffix', 'upper', 'lower', 'split', 'splitAfter',
  'replace', 'repeat', 'indexOf', 'lastIndexOf', 'hasPrefix', 'hasSuffix', 'first', 'last', 'get', 'take', 'keys', 'values', 'toPairs',
  'fromPairs', 'flatten', 'uniq', 'concat', 'join', 'reverse', 'sort', 'append', 'bitand', 'bitor',
];
const BUILTIN_SET = new Set(BUILTINS);

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
      return { from: member.from + dot + 1, options: n.fields.map((f) => ({ label: f, type: 'property', detail: `${base} field` })), validFor: /^[A-Za-z0-9_]*$/ };
    }
    const word = ctx.matchBefore(/[A-Za-z_][A-Za-z0-9_]*$/);
    if (!word && !ctx.explicit) return null;
    return {
      from: word ? word.from : ctx.pos,
      options: [
        ...names.map((n) => ({ label: n.name, type: 'variable', detail: n.detail, boost: 10 })),
        ...BUILTINS.map((b) => ({ label: b, type: 'function', detail: 'builtin', apply: `${b}(` })),
        ...['true', 'false', 'nil'].map((k) => ({ label: k, type: 'keyword' })),
      ],
      validFor: /^[A-Za-z0-9_]*$/,
    };
  };
}
