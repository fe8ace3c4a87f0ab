/**
 * Applying list patch ops. Mirrors `talkwidgets/widgets/_list_sync.py::apply_ops` exactly (same
 * semantics, same validation); both are checked against js/test/apply_ops_cases.json. Generic over
 * the items (anything with a string `id`), so every patched list of every widget shares it.
 */

/** What a patched list holds: items with a string id (conversations, messages...). */
export interface Keyed {
  id: string;
}

/** put: remove the entry with c.id (if any), then insert c at index `at`. del: remove the entry with `id`. */
export type ListOp<T extends Keyed = Keyed> = { t: "put"; at: number; c: T } | { t: "del"; id: string };

export class ListSyncError extends Error {
  constructor(index: number, why: string) {
    super(`op ${index}: ${why}`);
    this.name = "ListSyncError";
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function indexOfId(list: readonly Keyed[], id: string): number {
  for (let i = 0; i < list.length; i++) if (list[i]!.id === id) return i;
  return -1;
}

/** Return a new array: `old` with `ops` applied in order. Throws ListSyncError on a malformed op. */
export function applyOps<T extends Keyed>(old: readonly T[], ops: readonly unknown[]): T[] {
  if (!Array.isArray(ops)) throw new ListSyncError(-1, "ops is not a list");
  const out = old.slice();
  ops.forEach((op, i) => {
    if (!isObject(op)) throw new ListSyncError(i, "not an object");
    if (op.t === "del") {
      if (typeof op.id !== "string") throw new ListSyncError(i, "del needs a string id");
      const idx = indexOfId(out, op.id);
      if (idx >= 0) out.splice(idx, 1);
    } else if (op.t === "put") {
      const c = op.c;
      if (!isObject(c) || typeof c.id !== "string") {
        throw new ListSyncError(i, "put needs a conversation with a string id");
      }
      const at = op.at;
      if (typeof at !== "number" || !Number.isInteger(at)) {
        throw new ListSyncError(i, "put needs an integer 'at'");
      }
      const idx = indexOfId(out, c.id);
      if (idx >= 0) out.splice(idx, 1);
      if (at < 0 || at > out.length) throw new ListSyncError(i, `'at' ${at} out of range 0..${out.length}`);
      out.splice(at, 0, c as unknown as T);
    } else {
      throw new ListSyncError(i, `unknown op type ${JSON.stringify(op.t)}`);
    }
  });
  return out;
}
