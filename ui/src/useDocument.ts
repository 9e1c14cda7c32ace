// The document being edited with undo and redo: every change is a new
// immutable definition; typing in one field within a second is one undo
// step. The ref is the truth and is updated at once, so Save reads the
// newest text even while a typing transition has not rendered yet.
import { useCallback, useRef, useState } from 'react';
import type { Definition } from './api';
import { strip } from './doc';

interface State { def: Definition; past: Definition[]; future: Definition[]; key: string | null; at: number }
const LIMIT = 300;

export function useDocument(initial: Definition) {
  const ref = useRef<State>({ def: initial, past: [], future: [], key: null, at: 0 });
  const [, setTick] = useState(0);
  const [saved, setSaved] = useState<Definition>(initial); // the saved document, by identity (undo back to it is clean again)
  const commit = useCallback((s: State) => {
    ref.current = s;
    setTick((t) => t + 1);
  }, []);

  const update = useCallback((f: (d: Definition) => Definition, key: string | null = null) => {
    const s = ref.current;
    const def = f(s.def);
    if (def === s.def) return;
    const now = Date.now();
    const coalesce = key !== null && key === s.key && now - s.at < 1000;
    commit({ def, past: coalesce ? s.past : [...s.past.slice(-LIMIT), s.def], future: [], key, at: now });
  }, [commit]);
  const undo = useCallback(() => {
    const s = ref.current;
    if (s.past.length) commit({ def: s.past[s.past.length - 1], past: s.past.slice(0, -1), future: [s.def, ...s.future], key: null, at: 0 });
  }, [commit]);
  const redo = useCallback(() => {
    const s = ref.current;
    if (s.future.length) commit({ def: s.future[0], past: [...s.past, s.def], future: s.future.slice(1), key: null, at: 0 });
  }, [commit]);
  const markSaved = useCallback((d: Definition) => setSaved(d), []);
  const plain = useCallback(() => strip(ref.current.def), []);
  const st = ref.current;
  // nothing here walks the whole document: a keystroke in a 500-step stack stays cheap
  const dirty = st.def !== saved;
  return { def: st.def, plain, dirty, canUndo: st.past.length > 0, canRedo: st.future.length > 0, update, undo, redo, markSaved, ref };
}
