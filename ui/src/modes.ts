// Value modes: an expression field can be written as text, a number,
// true/false or an ƒx expression, like Xano's type picker. Each mode but
// ƒx writes the expression of a literal ('Hello' for Hello), so a no-code
// user never types quotes; the mode shown for a stored expression is read
// back from it. Which modes a field offers comes from its catalogue entry
// (FieldSpec.expects): nothing here knows a step.
import { EDITOR_KINDS } from './values';

export type Mode = 'text' | 'number' | 'bool' | 'expr';

export const MODE_INFO: Record<Mode, { chip: string; name: string }> = {
  text: { chip: 'abc', name: 'Text' },
  number: { chip: '123', name: 'Number' },
  bool: { chip: 'T/F', name: 'True / false' },
  expr: { chip: 'ƒx', name: 'Expression' },
};

/** modesFor is the modes of a field expecting a kind of value (FieldSpec.expects; none: any value). */
export function modesFor(expects?: string): Mode[] {
  switch (expects) {
    case 'text': return ['text', 'expr'];
    case 'number': case 'int': return ['number', 'expr'];
    case 'bool': return ['bool', 'expr'];
    case 'list': case 'object': return ['expr'];
    default: return ['text', 'number', 'bool', 'expr'];
  }
}

/** quote writes a text as an expr-lang literal: 'It\'s' for It's, with \\ \n \r \t and other control characters escaped. */
export function quote(s: string): string {
  let out = "'";
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + "'";
}

const SIMPLE: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', "'": "'", '"': '"', '`': '`', '?': '?' };

/** unquote reads an expression that is one quoted literal ('a', "b") back as its text; null for anything else. */
export function unquote(src: string): string | null {
  const s = src.trim();
  if (s.length < 2) return null;
  const q = s[0];
  if ((q !== "'" && q !== '"') || s[s.length - 1] !== q) return null;
  let out = '';
  for (let i = 1; i < s.length - 1; i++) {
    const ch = s[i];
    if (ch === q) return null; // the literal ends before the last character: 'a' + 'b'
    if (ch !== '\\') { out += ch; continue; }
    const e = s[++i];
    if (i >= s.length - 1) return null;
    if (e in SIMPLE) { out += SIMPLE[e]; continue; }
    const n = e === 'x' || e === 'X' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (e === 'u' && s[i + 1] === '{') {
      const end = s.indexOf('}', i);
      if (end < 0 || end >= s.length - 1) return null;
      const cp = parseInt(s.slice(i + 2, end), 16);
      if (!Number.isFinite(cp) || cp > 0x10ffff) return null;
      out += String.fromCodePoint(cp);
      i = end;
      continue;
    }
    if (!n) return null; // octal and other rare forms: left to ƒx
    const hex = s.slice(i + 1, i + 1 + n);
    if (hex.length !== n || !/^[0-9a-fA-F]+$/.test(hex)) return null;
    out += String.fromCodePoint(parseInt(hex, 16));
    i += n;
  }
  return out;
}

const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** literalMode is the mode an expression is the literal of, or null (ƒx). */
export function literalMode(src: string): Mode | null {
  const s = src.trim();
  if (unquote(s) !== null) return 'text';
  if (NUMBER.test(s)) return 'number';
  if (s === 'true' || s === 'false') return 'bool';
  return null;
}

/** inferMode is the mode a stored expression opens in: its literal's mode when the field offers it, else ƒx; an empty text field opens as text. */
export function inferMode(src: string, modes: Mode[], expects?: string): Mode {
  if (!src.trim()) return expects === 'text' && modes.includes('text') ? 'text' : 'expr';
  const m = literalMode(src);
  return m && modes.includes(m) ? m : 'expr';
}

/** parseNumber checks what was typed in number mode: the expression to store, or why not. */
export function parseNumber(text: string, whole: boolean): { ok: true; expr: string } | { ok: false; error: string } {
  const r = EDITOR_KINDS[whole ? 'number' : 'decimal'].parse(text);
  if (!r.ok) return r;
  return { ok: true, expr: text.trim().replace(/^\+/, '') };
}

/** convert is the expression a field holds after its mode changes: its value kept where it reads as the new kind, else the mode's empty value. */
export function convert(src: string, to: Mode): string {
  const s = src.trim();
  const text = unquote(s);
  switch (to) {
    case 'expr': return src;
    case 'text':
      if (text !== null) return s;
      return literalMode(s) ? quote(s) : quote('');
    case 'number':
      if (NUMBER.test(s)) return s;
      if (text !== null && NUMBER.test(text.trim())) return text.trim();
      return '';
    case 'bool':
      if (s === 'true' || s === 'false') return s;
      if (text === 'true' || text === 'false') return text;
      return 'false';
  }
}

/** A template's run of text or {{ expression }} part: from is its offset in the template. */
export interface TemplatePart { text: string; part: boolean; closed: boolean; from: number }

/** templateParts splits a template into text and {{ expression }} parts, as the server does (engine/template.go): a part ends at the first }} outside its quotes and braces. */
export function templateParts(src: string): TemplatePart[] {
  const out: TemplatePart[] = [];
  let i = 0;
  while (i < src.length) {
    const at = src.indexOf('{{', i);
    if (at < 0) { out.push({ text: src.slice(i), part: false, closed: true, from: i }); break; }
    if (at > i) out.push({ text: src.slice(i, at), part: false, closed: true, from: i });
    let j = at + 2, depth = 0, q = '';
    for (; j < src.length; j++) {
      const c = src[j];
      if (q) { if (c === '\\' && q !== '`') j++; else if (c === q) q = ''; continue; }
      if (c === "'" || c === '"' || c === '`') q = c;
      else if (c === '{') depth++;
      else if (c === '}' && depth > 0) depth--;
      else if (c === '}' && src[j + 1] === '}') break;
    }
    const closed = j < src.length;
    out.push({ text: src.slice(at, closed ? j + 2 : src.length), part: true, closed, from: at });
    i = closed ? j + 2 : src.length;
  }
  return out;
}

/** templatePartAt is the {{ }} part whose expression holds pos (between its braces, ends included), with the offsets of its expression; null in text. */
export function templatePartAt(src: string, pos: number): { from: number; to: number; exprFrom: number; exprTo: number; closed: boolean } | null {
  for (const p of templateParts(src)) {
    if (!p.part) continue;
    const to = p.from + p.text.length;
    const exprFrom = p.from + 2, exprTo = p.closed ? to - 2 : to;
    if (pos >= exprFrom && pos <= exprTo) return { from: p.from, to, exprFrom, exprTo, closed: p.closed };
    if (p.from >= pos) break;
  }
  return null;
}
