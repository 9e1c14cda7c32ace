// CSV (RFC 4180): comma-separated, fields with commas, quotes or line
// breaks in double quotes, quotes doubled.

export function toCsv(rows: string[][]): string {
  const cell = (s: string) => (/[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** parseCsv reads CSV text into rows of fields; an unclosed quote is an error naming its line. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let line = 1;
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // Excel's byte-order mark
  while (i < s.length) {
    const c = s[i];
    if (c === '"' && field === '') {
      const start = line;
      i++;
      for (;;) {
        if (i >= s.length) throw new Error(`line ${start}: a quoted field is never closed; close it with "`);
        if (s[i] === '"') {
          if (s[i + 1] === '"') { field += '"'; i += 2; continue; }
          i++;
          break;
        }
        if (s[i] === '\n') line++;
        field += s[i++];
      }
      if (i < s.length && s[i] !== ',' && s[i] !== '\n' && s[i] !== '\r') throw new Error(`line ${line}: text after a closing quote; quote the whole field`);
      continue;
    }
    if (c === ',') { row.push(field); field = ''; i++; continue; }
    if (c === '\r' || c === '\n') {
      row.push(field); field = '';
      rows.push(row); row = [];
      if (c === '\r' && s[i + 1] === '\n') i++;
      i++; line++;
      continue;
    }
    field += c; i++;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}

/** download saves text as a file. */
export function download(name: string, text: string, type = 'text/csv') {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type: `${type};charset=utf-8` }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
