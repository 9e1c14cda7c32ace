// The Ctrl/Cmd-K command palette (go to a definition, add a step by its
// friendly title, run, publish, save, toggle panels) and the list of
// keyboard shortcuts (? outside a text field, or the palette's entry).
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { commands, keyLabel, rankCommands, type Command } from './commands';

/** KEYS are the keys that are not commands: they act where the focus is. */
const KEYS: [string, string][] = [
  ['Control+K', 'Open the command palette'],
  ['?', 'Show these keyboard shortcuts (outside a text field)'],
  ['Control+Z', 'Undo (outside a text field)'],
  ['Control+Shift+Z Control+Y', 'Redo (outside a text field)'],
  ['ArrowUp ArrowDown', 'Move between the steps of the compact stack'],
  ['Enter', 'Edit the step (its form in the side panel)'],
  ['Escape', 'Leave a field, the step panel or a dialog'],
  ['Alt+ArrowUp Alt+ArrowDown', 'Move the step up or down'],
  ['Alt+ArrowRight Alt+ArrowLeft', 'Move the step into the block above, or out of its block'],
  ['Control+Space', 'Complete a name in an expression'],
];

const editable = (el: EventTarget | null) => !!(el as HTMLElement | null)?.closest?.('input, textarea, select, [contenteditable=true], .cm-editor');

export function CommandPalette() {
  const [open, setOpen] = useState<'palette' | 'keys' | null>(null);
  const back = useRef<HTMLElement | null>(null);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        back.current = document.activeElement as HTMLElement | null;
        setOpen((o) => (o === 'palette' ? null : 'palette'));
      } else if (e.key === '?' && !e.ctrlKey && !e.metaKey && !editable(e.target)) {
        e.preventDefault();
        back.current = document.activeElement as HTMLElement | null;
        setOpen('keys');
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  // the palette's own entry for the shortcut list
  useEffect(() => commands.set('help', [{ id: 'help.keys', group: 'Help', title: 'Show keyboard shortcuts', shortcut: '?', keywords: 'keys help',
    run: () => setOpen('keys') }]), []);
  const close = () => {
    setOpen(null);
    const b = back.current;
    if (b?.isConnected) requestAnimationFrame(() => b.focus());
  };
  if (open === 'palette') return <Palette onClose={close} onRun={(c) => { setOpen(null); if (c.id !== 'help.keys' && back.current?.isConnected) back.current.focus(); c.run(); }} />;
  if (open === 'keys') return <Shortcuts onClose={close} />;
  return null;
}

function Palette({ onClose, onRun }: { onClose: () => void; onRun: (c: Command) => void }) {
  const all = useSyncExternalStore(commands.subscribe, commands.get);
  const [q, setQ] = useState('');
  const [sel, setSel] = useState(0);
  const list = useMemo(() => rankCommands(all, q).slice(0, 60), [all, q]);
  const box = useRef<HTMLDivElement>(null);
  const listRef = useRef<HTMLUListElement>(null);
  useEffect(() => {
    const down = (e: MouseEvent) => { if (!box.current?.contains(e.target as Node)) onClose(); };
    document.addEventListener('mousedown', down);
    return () => document.removeEventListener('mousedown', down);
  }, [onClose]);
  useEffect(() => { listRef.current?.querySelector('[aria-selected=true]')?.scrollIntoView({ block: 'nearest' }); }, [sel, q]);
  const cur = list[Math.min(sel, list.length - 1)];
  return (
    <div className="cmdk-backdrop">
      <div ref={box} className="cmdk" role="dialog" aria-modal="true" aria-label="Command palette" onKeyDown={(e) => {
        if (e.key === 'Escape') (e.preventDefault(), e.stopPropagation(), onClose());
        else if (e.key === 'ArrowDown') (e.preventDefault(), setSel((s) => Math.min(s + 1, list.length - 1)));
        else if (e.key === 'ArrowUp') (e.preventDefault(), setSel((s) => Math.max(s - 1, 0)));
        else if (e.key === 'Enter' && cur) (e.preventDefault(), onRun(cur));
        else if (e.key === 'Tab') e.preventDefault(); // the focus stays in the palette
      }}>
        <input autoFocus className="cmdk-input" role="combobox" aria-expanded="true" aria-controls="cmdk-list" aria-autocomplete="list"
          aria-activedescendant={cur ? `cmdk-${cur.id}` : undefined} aria-label="Search commands" placeholder="Type a command, a definition or a step…"
          value={q} onChange={(e) => (setQ(e.target.value), setSel(0))} />
        <ul ref={listRef} id="cmdk-list" className="cmdk-list" role="listbox" aria-label="Commands">
          {list.map((c, i) => (
            <li key={c.id} id={`cmdk-${c.id}`} role="option" aria-selected={c === cur} className={`cmdk-item${c === cur ? ' sel' : ''}`}
              onMouseMove={() => setSel(i)} onMouseDown={(e) => e.preventDefault()} onClick={() => onRun(c)} data-command={c.id}>
              <span className="cmdk-group">{c.group}</span>
              <span className="cmdk-title">{c.title}</span>
              {c.detail ? <span className="cmdk-detail">{c.detail}</span> : null}
              {c.shortcut ? <kbd className="cmdk-key" aria-label={`shortcut ${keyLabel(c.shortcut)}`}>{keyLabel(c.shortcut)}</kbd> : null}
            </li>
          ))}
          {list.length === 0 ? <li className="cmdk-none" role="option" aria-selected="false" aria-disabled="true">no command matches “{q}”</li> : null}
        </ul>
        <div className="cmdk-foot muted small">↑↓ to choose · Enter to run · Esc to close · <kbd>?</kbd> all shortcuts</div>
      </div>
    </div>
  );
}

function Shortcuts({ onClose }: { onClose: () => void }) {
  const all = useSyncExternalStore(commands.subscribe, commands.get);
  const btn = useRef<HTMLButtonElement>(null);
  useEffect(() => btn.current?.focus(), []);
  const withKeys = all.filter((c) => c.shortcut && c.id !== 'help.keys');
  const rows: [string, string][] = [...KEYS, ...withKeys.map((c): [string, string] => [c.shortcut!, c.title])];
  const seen = new Set<string>();
  return (
    <div className="cmdk-backdrop" onMouseDown={(e) => { if (e.target === e.currentTarget) onClose(); }}>
      <div className="cmdk keys" role="dialog" aria-modal="true" aria-labelledby="keys-title" onKeyDown={(e) => {
        if (e.key === 'Escape') (e.preventDefault(), e.stopPropagation(), onClose());
        else if (e.key === 'Tab') (e.preventDefault(), btn.current?.focus());
      }}>
        <div className="panel-head"><h2 id="keys-title">Keyboard shortcuts</h2>
          <button ref={btn} type="button" className="icon-btn" aria-label="Close keyboard shortcuts" onClick={onClose}>×</button></div>
        <table className="keys-table">
          <thead><tr><th scope="col">Keys</th><th scope="col">What they do</th></tr></thead>
          <tbody>
            {rows.filter(([k, t]) => (seen.has(k + t) ? false : (seen.add(k + t), true))).map(([k, t]) => (
              <tr key={k + t}><td>{k.split(' ').map((x, i) => <kbd key={i}>{keyLabel(x)}</kbd>)}</td><td>{t}</td></tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
