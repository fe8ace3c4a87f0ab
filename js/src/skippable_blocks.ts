/**
 * Lets the browser skip the layout and paint of a long list's blocks that are out of view
 * (`content-visibility: auto` on the class given), each block holding its own measured height.
 *
 * Why: with thousands of messages loaded, the frame after a new message laid out and painted every
 * block (56–160 ms at 5,000 messages in `bench/chatbox_paint.py`); with the blocks out of view
 * skipped it is one frame (17 ms), as with 30 messages.
 *
 * Why measured: a skipped block takes its placeholder height. A guessed one would move the thread
 * when the block first renders while the reader scrolls up (the thread keeps its own scroll
 * position: `overflow-anchor: none`). So a block becomes skippable only once it has been laid out:
 * a ResizeObserver reports its real height, which becomes its `contain-intrinsic-size` (`auto`:
 * afterwards the browser remembers the height it last rendered). A skipped block whose rows change
 * (added, removed, edited, reacted to) is laid out again before it may be skipped again, and
 * `settle()` applies that before the thread reads the layout, so the thread's scroll anchoring sees
 * real heights.
 */
export class SkippableBlocks {
  private readonly root: HTMLElement;
  private readonly skippable: string;
  private readonly sizes: ResizeObserver | null;
  private readonly changes: MutationObserver | null;
  private width = 0;
  /** The blocks the browser skips now (`contentvisibilityautostatechange`). */
  private readonly skipped = new Set<Element>();
  private readonly onState = (e: Event) => {
    const block = e.target as Element;
    if ((e as Event & { skipped?: boolean }).skipped) this.skipped.add(block);
    else this.skipped.delete(block);
  };

  constructor(root: HTMLElement, skippableClass: string) {
    this.root = root;
    this.skippable = skippableClass;
    // both observers exist in every browser the widgets support; without them nothing is skipped
    this.sizes = typeof ResizeObserver === "function" ? new ResizeObserver((e) => this.measured(e)) : null;
    this.changes =
      typeof MutationObserver === "function" ? new MutationObserver((records) => this.changed(records)) : null;
    this.changes?.observe(root, { subtree: true, childList: true, characterData: true, attributes: true });
    this.sizes?.observe(root); // its width: every block's height follows it
  }

  /** A new block: skippable once it has been laid out. */
  added(block: Element): void {
    this.sizes?.observe(block);
    block.addEventListener("contentvisibilityautostatechange", this.onState);
  }

  /** A block left the list. */
  removed(block: Element): void {
    this.sizes?.unobserve(block);
    block.removeEventListener("contentvisibilityautostatechange", this.onState);
    this.skipped.delete(block);
  }

  /** Un-skip the blocks whose rows changed since the last call, before the layout is read. */
  settle(): void {
    if (this.changes) this.changed(this.changes.takeRecords());
  }

  /**
   * The first row whose bottom is below `top` (a position in the scroller, which must be the
   * blocks' offsetParent), or null. The block is found first, then the row in it: reading the
   * position of a row in a skipped block would lay that block out (and a skippable block is its
   * rows' offsetParent, so their offsetTop counts from it).
   */
  firstRowEndingBelow(top: number): HTMLElement | null {
    const block = firstEndingBelow(this.root.children, top, () => 0);
    if (!block) return null;
    const base = (row: HTMLElement) => (row.offsetParent === block ? block.offsetTop : 0);
    return firstEndingBelow(block.children, top, base) ?? (block.lastElementChild as HTMLElement | null);
  }

  dispose(): void {
    this.sizes?.disconnect();
    this.changes?.disconnect();
  }

  private measured(entries: ResizeObserverEntry[]): void {
    for (const entry of entries) {
      if (entry.target === this.root) {
        this.resized(entry.contentRect.width);
        continue;
      }
      const block = entry.target as HTMLElement;
      if (block.parentElement !== this.root) continue;
      const height = entry.borderBoxSize?.[0]?.blockSize ?? block.getBoundingClientRect().height;
      if (height <= 0) continue; // not laid out (hidden): measured when it is
      // from now on the browser keeps the size current itself: `auto` is the height the block had
      // when last rendered, so the observer is not needed until the block must be measured again
      block.style.containIntrinsicSize = `auto ${Math.ceil(height)}px`;
      block.classList.add(this.skippable);
      this.sizes?.unobserve(block);
    }
  }

  /** A new width: every block's height may have changed, so each is measured again. */
  private resized(width: number): void {
    if (width === this.width) return;
    this.width = width;
    for (const block of [...this.skipped]) this.remeasure(block);
  }

  private changed(records: MutationRecord[]): void {
    const touched = new Set<Element>();
    for (const r of records) {
      // blocks added or removed: added()/removed(); a block's own class and size: ours
      if (r.target === this.root || (r.type === "attributes" && r.target.parentNode === this.root)) continue;
      const block = this.blockOf(r.target);
      if (block && this.skipped.has(block)) touched.add(block); // one in view is measured as it changes
    }
    for (const block of touched) this.remeasure(block);
  }

  /** Laid out for real at the next layout, then measured again (a fresh observation always reports). */
  private remeasure(block: Element): void {
    this.skipped.delete(block);
    block.classList.remove(this.skippable);
    this.sizes?.unobserve(block);
    this.sizes?.observe(block);
  }

  private blockOf(node: Node): Element | null {
    let n: Node | null = node;
    while (n && n.parentNode !== this.root) n = n.parentNode;
    return n instanceof Element ? n : null;
  }
}

/** The first of `els` (top to bottom) whose bottom is below `top`, by binary search; `base(el)`
 * is added to its offsetTop when that counts from another element than the scroller. */
function firstEndingBelow(els: HTMLCollection, top: number, base: (el: HTMLElement) => number): HTMLElement | null {
  let lo = 0;
  let hi = els.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const el = els[mid] as HTMLElement;
    if (base(el) + el.offsetTop + el.offsetHeight <= top) lo = mid + 1;
    else hi = mid;
  }
  return (els[lo] as HTMLElement | undefined) ?? null;
}
