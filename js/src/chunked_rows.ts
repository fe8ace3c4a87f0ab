/**
 * An ordered list of row elements kept in small blocks (`<div class="…-chunk">`) inside one
 * container, instead of as the container's direct children.
 *
 * Why: Chromium lays out a block container by walking all of its children, even when only one was
 * added; with thousands of messages as direct children of one element, every new message cost a
 * forced layout that grew linearly with the history (about 3 µs per sibling: ~13 ms at 5,000 rows,
 * ~47 ms at 15,000). With blocks of about CHUNK rows, a new row is laid out beside a few
 * dozen siblings and about n / CHUNK blocks (78 at 5,000), whose cached layout is reused.
 *
 * It answers the index, neighbour and order questions the thread used to ask the DOM
 * (`children[i]`, `previousElementSibling`...), so the thread never handles the blocks itself.
 */
import type { RowSlots } from "./keyed_rows";

/** Told when a block is created or removed (`SkippableBlocks`). */
export interface BlockWatcher {
  added(block: Element): void;
  removed(block: Element): void;
}

/** Rows per block (a block can grow past it only by rows inserted in its middle). */
export const CHUNK = 64;

export class ChunkedRows implements RowSlots {
  readonly el: HTMLElement;
  private readonly chunkClass: string;
  private rowCount = 0;
  private readonly watcher: BlockWatcher | null;

  constructor(el: HTMLElement, chunkClass: string, watcher: BlockWatcher | null = null) {
    this.el = el;
    this.chunkClass = chunkClass;
    this.watcher = watcher;
  }

  get count(): number {
    return this.rowCount;
  }

  /** The row at `index` in list order, null past the end. */
  at(index: number): Element | null {
    if (index < 0) return null;
    let left = index;
    for (let c = this.el.firstElementChild; c; c = c.nextElementSibling) {
      const n = c.childElementCount;
      if (left < n) return c.children[left] ?? null;
      left -= n;
    }
    return null;
  }

  first(): Element | null {
    return this.el.firstElementChild?.firstElementChild ?? null;
  }

  last(): Element | null {
    return this.el.lastElementChild?.lastElementChild ?? null;
  }

  next(row: Element): Element | null {
    return row.nextElementSibling ?? row.parentElement?.nextElementSibling?.firstElementChild ?? null;
  }

  prev(row: Element): Element | null {
    return row.previousElementSibling ?? row.parentElement?.previousElementSibling?.lastElementChild ?? null;
  }

  /** Every row, in order. */
  elements(): Element[] {
    const out: Element[] = [];
    for (let c = this.el.firstElementChild; c; c = c.nextElementSibling) out.push(...c.children);
    return out;
  }

  /**
   * Insert (or move) `row` before `ref`, a row of this list (null: at the end). No other row is
   * ever moved (a moved row would lose focus): a row goes into the block of its neighbour, or into
   * a new block at either end of a full one.
   */
  insertBefore(row: Element, ref: Element | null): void {
    if (row === ref) return;
    if (this.owns(row)) this.remove(row);
    if (ref && this.owns(ref)) {
      const chunk = ref.parentElement!;
      if (ref === chunk.firstElementChild && chunk.childElementCount >= CHUNK) {
        const before = chunk.previousElementSibling;
        (before && before.childElementCount < CHUNK ? before : this.newChunk(chunk)).appendChild(row);
      } else {
        chunk.insertBefore(row, ref);
      }
    } else {
      const tail = this.el.lastElementChild;
      (tail && tail.childElementCount < CHUNK ? tail : this.newChunk(null)).appendChild(row);
    }
    this.rowCount++;
  }

  /** Take `row` out (its block goes when it empties). */
  remove(row: Element): void {
    const chunk = row.parentElement;
    if (!chunk || chunk.parentElement !== this.el) return;
    row.remove();
    this.rowCount--;
    if (!chunk.childElementCount) {
      chunk.remove();
      this.watcher?.removed(chunk);
    }
  }

  private owns(row: Element): boolean {
    return row.parentElement?.parentElement === this.el;
  }

  private newChunk(before: Element | null): Element {
    const chunk = document.createElement("div");
    chunk.className = this.chunkClass;
    this.el.insertBefore(chunk, before);
    this.watcher?.added(chunk);
    return chunk;
  }
}
