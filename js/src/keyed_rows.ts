/**
 * One row element per list item, in list order (by default the children of a container), kept in
 * step with a list of keyed items (conversations, uploads, messages...). A list produced by a patch
 * from the list shown (patch_client.ts) is followed by replaying the patch's ops on the DOM;
 * any other list is reconciled by id, moving as few rows as possible. Row elements are kept for as
 * long as their item stays, so focus, images and transitions survive updates.
 */
import type { Keyed, ListOp } from "./list_sync";
import { patchThatMade } from "./patch_client";

/** What the caller keeps per row: at least its element. */
export interface RowHandle {
  readonly el: HTMLElement;
}

/**
 * Where the rows live, in list order: by default a container whose children are exactly the rows
 * (ChildRows); the Chatbox thread keeps its many rows in blocks (chunked_rows.ts).
 */
export interface RowSlots {
  /** The row element at `index`, null past the end. */
  at(index: number): Element | null;
  /** Insert (or move) `row` before `ref`, a row already placed (null: at the end). */
  insertBefore(row: Element, ref: Element | null): void;
  /** Take `row` out. */
  remove(row: Element): void;
  /** Every row element, in order. */
  elements(): Element[];
}

/** The rows are the container's children. */
export class ChildRows implements RowSlots {
  constructor(readonly el: HTMLElement) {}
  at(index: number): Element | null {
    return this.el.children[index] ?? null;
  }
  insertBefore(row: Element, ref: Element | null): void {
    this.el.insertBefore(row, ref);
  }
  remove(row: Element): void {
    row.remove();
  }
  elements(): Element[] {
    return Array.from(this.el.children);
  }
}

export interface RowRenderer<T extends Keyed, R extends RowHandle> {
  /** A new, empty row for the item with this id (`update` fills it next). */
  create(id: string): R;
  /** Show `item` in `row`: called for every item on every change, so skip work when nothing changed. */
  update(row: R, item: T): void;
  /** The row left the list (its element is already out of the DOM). */
  removed?(row: R): void;
}

/** Positions (indexes into `seq`) of one longest increasing subsequence; -1 entries are skipped. */
export function lisMembers(seq: readonly number[]): Set<number> {
  const tails: number[] = [];
  const tailPos: number[] = [];
  const prev = new Array<number>(seq.length).fill(-1);
  seq.forEach((value, pos) => {
    if (value < 0) return;
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tails[mid]! < value) lo = mid + 1;
      else hi = mid;
    }
    tails[lo] = value;
    tailPos[lo] = pos;
    prev[pos] = lo > 0 ? tailPos[lo - 1]! : -1;
  });
  const out = new Set<number>();
  let pos = tailPos.length ? tailPos[tailPos.length - 1]! : -1;
  while (pos >= 0) {
    out.add(pos);
    pos = prev[pos]!;
  }
  return out;
}

export class KeyedRows<T extends Keyed, R extends RowHandle> {
  private readonly slots: RowSlots;
  private readonly renderer: RowRenderer<T, R>;
  private readonly rows = new Map<string, R>();
  private shown: readonly T[] = [];

  constructor(container: HTMLElement | RowSlots, renderer: RowRenderer<T, R>) {
    this.slots = container instanceof Node ? new ChildRows(container) : container;
    this.renderer = renderer;
  }

  get(id: string): R | undefined {
    return this.rows.get(id);
  }

  values(): IterableIterator<R> {
    return this.rows.values();
  }

  get size(): number {
    return this.rows.size;
  }

  /** Bring the DOM to `next`; false when `next` is the very list already shown. */
  show(next: readonly T[]): boolean {
    if (next === this.shown) return false;
    const patch = patchThatMade(next);
    if (patch && patch.prev === this.shown) this.replay(patch.ops);
    else this.reconcile(next);
    this.shown = next;
    return true;
  }

  /** Mirror of applyOps on the DOM: the slots hold exactly the rows, in list order. */
  private replay(ops: readonly ListOp<T>[]): void {
    for (const op of ops) {
      if (op.t === "del") {
        const row = this.rows.get(op.id);
        if (row) this.drop(op.id, row);
      } else {
        const row = this.upsert(op.c);
        if (row.el.parentNode) this.slots.remove(row.el);
        this.slots.insertBefore(row.el, this.slots.at(op.at));
      }
    }
  }

  /** Drop vanished rows, update the others, and move as few as possible (a longest run already in order stays). */
  private reconcile(next: readonly T[]): void {
    const wanted = new Set<string>();
    for (const item of next) if (item && typeof item.id === "string") wanted.add(item.id);
    for (const [id, row] of [...this.rows]) if (!wanted.has(id)) this.drop(id, row);

    const domIndex = new Map<Element, number>();
    this.slots.elements().forEach((el, i) => {
      domIndex.set(el, i);
    });
    const seen = new Set<string>();
    const order: R[] = [];
    for (const item of next) {
      if (!item || typeof item.id !== "string" || seen.has(item.id)) continue; // tolerate bad data
      seen.add(item.id);
      order.push(this.upsert(item));
    }
    const stay = lisMembers(order.map((r) => domIndex.get(r.el) ?? -1));
    let anchor: Element | null = null;
    for (let i = order.length - 1; i >= 0; i--) {
      const row = order[i]!;
      if (!stay.has(i)) this.slots.insertBefore(row.el, anchor);
      anchor = row.el;
    }
  }

  private upsert(item: T): R {
    let row = this.rows.get(item.id);
    if (!row) {
      row = this.renderer.create(item.id);
      this.rows.set(item.id, row);
    }
    this.renderer.update(row, item);
    return row;
  }

  private drop(id: string, row: R): void {
    if (row.el.parentNode) this.slots.remove(row.el);
    this.rows.delete(id);
    this.renderer.removed?.(row);
  }
}
