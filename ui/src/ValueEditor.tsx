// A typed value control: the editor kind of a column type (values.ts)
// as a control, with the reason a value is refused right under it.
import { useId } from 'react';
import { editorFor } from './values';

export function ValueInput({ type, value, onChange, label, error, onKeyDown, onBlur, autoFocus, placeholder, className, choices }: {
  type: string; value: string; onChange: (s: string) => void; label: string; error?: string | null;
  /** choices: the texts a column allows (its values): a select of them, with an empty choice. */
  choices?: string[];
  onKeyDown?: (e: React.KeyboardEvent) => void; onBlur?: () => void; autoFocus?: boolean; placeholder?: string; className?: string;
}) {
  const id = useId();
  const k = editorFor(type);
  const common = {
    'aria-label': label, 'aria-invalid': error ? true : undefined, 'aria-describedby': error ? `${id}-err` : undefined,
    autoFocus, onKeyDown, onBlur, className,
  } as const;
  let control: React.ReactNode;
  if (choices?.length) {
    // a value outside the list (written before the list was) stays shown
    const all = value === '' || choices.includes(value) ? choices : [...choices, value];
    control = (
      <select {...common} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">(empty)</option>
        {all.map((c) => <option key={c} value={c}>{c}</option>)}
      </select>
    );
  } else if (k.input.kind === 'bool') {
    control = (
      <select {...common} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">(empty)</option><option value="true">true</option><option value="false">false</option>
      </select>
    );
  } else if (k.input.kind === 'textarea') {
    control = <textarea {...common} rows={Math.min(8, Math.max(2, value.split('\n').length))} value={value} placeholder={placeholder ?? k.hint} onChange={(e) => onChange(e.target.value)} spellCheck={false} />;
  } else {
    control = <input {...common} type={k.input.type} inputMode={k.input.inputMode} step={k.input.type === 'datetime-local' ? 1 : undefined}
      value={value} placeholder={placeholder ?? k.hint} onChange={(e) => onChange(e.target.value)} spellCheck={false} />;
  }
  return (
    <span className="value-input">
      {control}
      {error ? <span className="value-error" id={`${id}-err`} role="alert">{error}</span> : null}
    </span>
  );
}
