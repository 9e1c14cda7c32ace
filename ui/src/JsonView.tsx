// Pretty, highlighted JSON (read-only).
export function JsonView({ value, inline, testId }: { value: unknown; inline?: boolean; testId?: string }) {
  const text = value === undefined ? 'undefined' : JSON.stringify(value, null, inline ? undefined : 2) ?? String(value);
  const parts = text.split(/("(?:\\.|[^"\\])*"(?=\s*:)|"(?:\\.|[^"\\])*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\btrue\b|\bfalse\b|\bnull\b)/g);
  return (
    <pre className={`json${inline ? ' inline' : ''}`} data-testid={testId}>
      {parts.map((p, i) => {
        if (i % 2 === 0) return p;
        const cls = p.startsWith('"') ? (parts[i + 1]?.trimStart().startsWith(':') ? 'j-key' : 'j-str') : p === 'null' ? 'j-null' : p === 'true' || p === 'false' ? 'j-bool' : 'j-num';
        return <span key={i} className={cls}>{p}</span>;
      })}
    </pre>
  );
}
