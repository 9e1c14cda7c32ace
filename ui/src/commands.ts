// The commands of the Ctrl/Cmd-K palette: each part of the page (the shell,
// an open editor) registers what it can do while it is shown, and the
// palette lists them, ranked for a search.

export interface Command {
  id: string;
  /** group: Go to, Add step, Editor, Panels, Help */
  group: string;
  /** title is what the palette shows ("Query records"). */
  title: string;
  /** name is the thing's own name (a definition's, a step type's): a match on it ranks first. */
  name?: string;
  /** detail is shown muted after the title (db.query, a description). */
  detail?: string;
  /** shortcut, in aria-keyshortcuts form: "Control+S". */
  shortcut?: string;
  /** keywords a search also matches. */
  keywords?: string;
  run: () => void;
}

class Registry {
  private by = new Map<string, Command[]>();
  private subs = new Set<() => void>();
  all: Command[] = [];
  /** set replaces the commands of one source; it returns the function that removes them. */
  set(source: string, list: Command[]) {
    this.by.set(source, list);
    this.changed();
    return () => { if (this.by.get(source) === list) (this.by.delete(source), this.changed()); };
  }
  private changed() {
    this.all = [...this.by.values()].flat();
    this.subs.forEach((f) => f());
  }
  subscribe = (f: () => void) => (this.subs.add(f), () => void this.subs.delete(f));
  get = () => this.all;
}
export const commands = new Registry();

/** rankCommands orders commands for a search: an exact name or title first, then a match on the name (prefix, a part's prefix), then the title's words, then anywhere; no search keeps the order. */
export function rankCommands(list: Command[], q: string): Command[] {
  const n = q.trim().toLowerCase();
  if (!n) return list;
  const words = n.split(/\s+/);
  const score = (c: Command) => {
    const name = (c.name ?? '').toLowerCase();
    const title = c.title.toLowerCase();
    const all = `${name} ${title} ${c.group} ${c.detail ?? ''} ${c.keywords ?? ''}`.toLowerCase();
    if (!words.every((w) => all.includes(w))) return -1;
    if ((name && name === n) || title === n) return 0;
    if (name && (name.startsWith(n) || name.split(/[._]/).some((p) => p.startsWith(n)))) return 1;
    if (title.startsWith(n)) return 3;
    if (words.every((w) => title.split(/[\s/&]+/).some((t) => t.startsWith(w)))) return 4;
    if (name.includes(n) || title.includes(n)) return 5;
    return 6;
  };
  return list.map((c, i) => [c, score(c), i] as const).filter(([, s]) => s >= 0).sort((a, b) => a[1] - b[1] || a[2] - b[2]).map(([c]) => c);
}

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
/** keyLabel shows a shortcut as the platform writes it: Ctrl+S, or ⌘S on a Mac. */
export function keyLabel(s: string): string {
  const arrows = (k: string) => k.replace('ArrowUp', '↑').replace('ArrowDown', '↓').replace('ArrowLeft', '←').replace('ArrowRight', '→');
  return s.split(' ').map((k) => arrows(isMac ? k.replace('Control+', '⌘').replace('Shift+', '⇧').replace('Alt+', '⌥') : k.replace('Control+', 'Ctrl+'))).join(' or ');
}
