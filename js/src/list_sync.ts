/**
 * Applying conversation-list patch ops. Mirrors `talkwidgets/widgets/_list_sync.py::apply_ops`
 * exactly (same semantics, same validation); both are checked against js/test/apply_ops_cases.json.
 */
import type { Conversation } from "./types";

export class ListSyncError extends Error {
  constructor(index: number, why: string) {
    super(`op ${index}: ${why}`);
    this.name = "ListSyncError";
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function indexOfId(list: readonly Conversation[], id: string): number {
  for (let i = 0; i < list.length; i++) if (list[i]!.id === id) return i;
  return -1;
}

/** Return a new array: `old` with `ops` applied in order. Throws ListSyncError on a malformed op. */
export function applyOps(old: readonly Conversation[], ops: readonly unknown[]): Conversation[] {
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
      out.splice(at, 0, c as unknown as Conversation);
    } else {
      throw new ListSyncError(i, `unknown op type ${JSON.stringify(op.t)}`);
    }
  });
  return out;
}
