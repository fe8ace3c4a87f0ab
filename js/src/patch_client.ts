/**
 * The browser half of a numbered-patch list (docs/widget-sync-protocol.md; kernel half:
 * talkwidgets/widgets/_list_sync.py::PatchedListSync), for any widget and any list trait:
 *   kernel -> browser  {op: "patch", seq, ops: [{t: "put", at, c} | {t: "del", id}]}
 *   browser -> kernel  {op: "ready", seq} | {op: "resync"}
 *
 * Attach it once per model, from `initialize`. It sends `ready` with the seq the front end starts
 * from (patches sent before it listened are lost, so the kernel re-sends the traits when its seq
 * differs). A patch numbered `seq + 1` is applied and the new list and seq are written into the
 * model locally (`model.set`, no `save_changes`), so every view and a saved notebook see the same
 * list. On a gap, or a patch that does not apply, it sends `resync` and ignores patches until the
 * kernel re-sends the traits (re-asking if patches keep coming for RESYNC_RETRY_MS).
 *
 * Each list it produces remembers the list it came from and the ops (`patchThatMade`), so a view
 * showing exactly that previous list can replay the ops on its DOM instead of diffing
 * (see keyed_rows.ts).
 */
import { applyOps, type Keyed, type ListOp, ListSyncError } from "./list_sync";
import type { ModelLike } from "./widget_model";

/** While waiting for a resync, re-ask if patches keep arriving for this long. */
export const RESYNC_RETRY_MS = 5_000;

/** Which traits of the model hold the patched list and the number of the last applied patch. */
export interface PatchedTraits {
  /** e.g. "conversations" */
  list: string;
  /** e.g. "_seq" */
  seq: string;
}

/** The patch that produced a list: the list it was applied to, and its ops. */
export interface PatchRecord<T extends Keyed> {
  prev: readonly T[];
  ops: readonly ListOp<T>[];
}

/** Keyed by the produced array itself (anywidget hands each view its own model proxy, but `get` returns the shared array). */
const PATCHES = new WeakMap<readonly Keyed[], PatchRecord<Keyed>>();

/** The patch that produced `list`, when it came from a patch applied by a patch client. */
export function patchThatMade<T extends Keyed>(list: readonly T[]): PatchRecord<T> | undefined {
  return PATCHES.get(list) as PatchRecord<T> | undefined;
}

/** The list in `model`'s `trait` (an empty list when the trait holds anything else). */
export function listOf<T extends Keyed>(model: ModelLike, trait: string): T[] {
  const v = model.get(trait);
  return Array.isArray(v) ? (v as T[]) : [];
}

function isPatch(msg: unknown): msg is { op: "patch"; seq: unknown; ops: unknown[] } {
  return typeof msg === "object" && msg !== null && (msg as { op?: unknown }).op === "patch";
}

/** Start following the patches of one list of `model`; returns the function that stops it. */
export function attachPatchClient(model: ModelLike, traits: PatchedTraits): () => void {
  let awaitingResync = false;
  let requestedAt = 0;
  let applyingLocally = false;
  const currentSeq = () => Number(model.get(traits.seq)) || 0;

  const requestResync = () => {
    awaitingResync = true;
    requestedAt = Date.now();
    model.send({ op: "resync" });
  };

  const onMessage = (msg: unknown) => {
    if (!isPatch(msg)) return;
    if (awaitingResync) {
      if (Date.now() - requestedAt > RESYNC_RETRY_MS) requestResync();
      return;
    }
    const current = currentSeq();
    const seq = Number(msg.seq);
    if (!Number.isInteger(seq)) return;
    if (seq <= current) return; // already contained in the state we have
    if (seq !== current + 1) {
      requestResync();
      return;
    }
    const prev = listOf(model, traits.list);
    let next: Keyed[];
    try {
      next = applyOps(prev, msg.ops);
    } catch (err) {
      if (!(err instanceof ListSyncError)) throw err;
      console.warn("[talkwidgets] patch did not apply, asking for a resync:", err.message);
      requestResync();
      return;
    }
    PATCHES.set(next, { prev, ops: msg.ops as ListOp[] });
    applyingLocally = true;
    try {
      model.set(traits.seq, seq);
      model.set(traits.list, next);
    } finally {
      applyingLocally = false;
    }
  };

  // Any trait change that we did not make ourselves comes from the kernel: a (re)sent state.
  const onTraitChange = () => {
    if (!applyingLocally) awaitingResync = false;
  };

  const listeners: Array<[string, (msg: unknown) => void]> = [
    ["msg:custom", onMessage],
    [`change:${traits.seq}`, onTraitChange],
    [`change:${traits.list}`, onTraitChange],
  ];
  for (const [ev, fn] of listeners) model.on(ev, fn);
  model.send({ op: "ready", seq: currentSeq() });
  return () => {
    for (const [ev, fn] of listeners) model.off(ev, fn);
  };
}
