// The value-type catalogue (GET /_/api/types, engine/value): the one
// source of the builder's type lists and of what each type allows. The
// table designer's column types, the input editor's types and its
// constraints' help, the record browser's filter operators and search,
// and the editor each value gets (values.ts) all read it here; nothing in
// the UI lists type names.
import { useEffect, useState } from 'react';
import { api, type ValueType } from './api';
import { setEditorKinds } from './values';

/** ValueTypes is the catalogue, in the server's order (the everyday types first). */
export class ValueTypes {
  readonly all: ValueType[];
  private byName: Map<string, ValueType>;
  constructor(all: ValueType[]) {
    this.all = all;
    this.byName = new Map(all.map((t) => [t.name, t]));
  }
  get(name: string | undefined): ValueType | undefined {
    return name === undefined ? undefined : this.byName.get(name);
  }
  /** columns are the types a table field may have; inputs those an input may have. */
  get columns(): ValueType[] { return this.all.filter((t) => t.column); }
  get inputs(): ValueType[] { return this.all.filter((t) => t.input); }
}

/** FilterOp is one operator of the record browser's filters (api/records_filter.go filterOps). */
export interface FilterOp { op: string; label: string; value: boolean; applies: (t: ValueType) => boolean }

/**
 * FILTER_OPS are the filter operators in the order the filter offers them;
 * which apply to a column follows from its type's entry, by the rule the
 * server checks them with: is and is not where the type has equality, the
 * comparisons where it is ordered, the text matches where it is searchable,
 * is empty and is set on every type with a column.
 */
export const FILTER_OPS: FilterOp[] = [
  { op: 'eq', label: 'is', value: true, applies: (t) => t.equality },
  { op: 'ne', label: 'is not', value: true, applies: (t) => t.equality },
  { op: 'contains', label: 'contains', value: true, applies: (t) => t.searchable },
  { op: 'startsWith', label: 'starts with', value: true, applies: (t) => t.searchable },
  { op: 'endsWith', label: 'ends with', value: true, applies: (t) => t.searchable },
  { op: 'lt', label: '<', value: true, applies: (t) => t.ordered },
  { op: 'le', label: '≤', value: true, applies: (t) => t.ordered },
  { op: 'gt', label: '>', value: true, applies: (t) => t.ordered },
  { op: 'ge', label: '≥', value: true, applies: (t) => t.ordered },
  { op: 'empty', label: 'is empty', value: false, applies: (t) => !!t.sql },
  { op: 'set', label: 'is set', value: false, applies: (t) => !!t.sql },
];

/** filterOps are the operators a column of type t may be filtered with (none for a type the catalogue lacks). */
export function filterOps(t: ValueType | undefined): FilterOp[] {
  return t ? FILTER_OPS.filter((o) => o.applies(t)) : [];
}

let loaded: ValueTypes | null = null;
let pending: Promise<ValueTypes> | null = null;

/** loadValueTypes fetches the catalogue once per page load and gives values.ts each type's editor. */
export function loadValueTypes(): Promise<ValueTypes> {
  if (loaded) return Promise.resolve(loaded);
  pending ??= api.types().then((all) => {
    setEditorKinds(Object.fromEntries(all.map((t) => [t.name, t.editor])));
    return (loaded = new ValueTypes(all));
  }).finally(() => { pending = null; });
  return pending;
}

/** useValueTypes is the catalogue, null until it answers (a page shows loading… meanwhile, as for its other data); a failed load is tried again every 2 s. */
export function useValueTypes(): ValueTypes | null {
  const [types, setTypes] = useState<ValueTypes | null>(loaded);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (types) return;
    let live = true;
    let retry: ReturnType<typeof setTimeout> | undefined;
    loadValueTypes().then((t) => live && setTypes(t)).catch(() => {
      if (live) retry = setTimeout(() => setAttempt((a) => a + 1), 2000);
    });
    return () => { live = false; clearTimeout(retry); };
  }, [attempt]);
  return types;
}
