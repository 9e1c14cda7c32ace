// The document being edited with undo and redo: every change is a new
// immutable definition; typing in one field within a second is one undo step.
import { useCallback, useMemo, useRef, useState } from 'react';
import type { Definition } from './api';
import { strip } from './doc';

interface State { def: Definition; past: Definition[]; future: Definition[]; key: string | null; at: number }
const LIMIT = 300;

export function useDocument(initial: Definition) {
  const [st, setSt] = useState<State>({ def: initial, past: [], future: [], key: null, at: 0 });
  const [saved, setSaved] = useState(() => JSON.stringify(strip(initial)));
  const ref = useRef(st);
  ref.current = st;

  const update = useCallback((f: (d: Definition) => Definition, key: string | null = null) => {
    setSt((s) => {
      const def = f(s.def);
      if (def === s.def) return s;
      const now = Date.now();
      const coalesce = key !== null && key === s.key && now - s.at < 1000;
      return { def, past: coalesce ? s.past : [...s.past.slice(-LIMIT), s.def], future: [], key, at: now };
    });
  }, []);
  const undo = useCallback(() => setSt((s) => (s.past.length ? { def: s.past[s.past.length - 1], past: s.past.slice(0, -1), future: [s.def, ...s.future], key: null, at: 0 } : s)), []);
  const redo = useCallback(() => setSt((s) => (s.future.length ? { def: s.future[0], past: [...s.past, s.def], future: s.future.slice(1), key: null, at: 0 } : s)), []);
  const reset = useCallback((d: Definition) => {
    setSt({ def: d, past: [], future: [], key: null, at: 0 });
    setSaved(JSON.stringify(strip(d)));
  }, []);
  const markSaved = useCallback((d: Definition) => setSaved(JSON.stringify(strip(d))), []);
  const plain = useMemo(() => strip(st.def), [st.def]);
  const dirty = useMemo(() => JSON.stringify(plain) !== saved, [plain, saved]);
  return { def: st.def, plain, dirty, canUndo: st.past.length > 0, canRedo: st.future.length > 0, update, undo, redo, reset, markSaved, ref };
}
