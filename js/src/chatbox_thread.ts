/**
 * The Chatbox's message thread: a `role="log"` scroller with one row per message (KeyedRows:
 * patches are replayed row by row), grouping by sender and day, older messages loaded when
 * scrolled near the top with the scroll position kept, a "new messages" button while scrolled away
 * from the newest, read marking when the newest message is in view, messages being sent shown at
 * once (and their failure), the reaction tools and the keyboard (↑/↓ between messages, Tab to a
 * message's tools, Escape back).
 */
import { FileUrls } from "./chatbox_files";
import { nameOf, sameDay, sameGroup, typingText } from "./chatbox_format";
import { createRow, fill, type MessageRow, place, type RowContext, showRead } from "./chatbox_message";
import { PendingMessages } from "./chatbox_pending";
import { ReactorNames } from "./chatbox_reactors";
import { RowTools, ToolsOnDemand } from "./chatbox_tools";
import type { Message, Typing } from "./chatbox_types";
import { ChunkedRows } from "./chunked_rows";
import { h, LiveRegion } from "./dom";
import { icon } from "./icons";
import { KeyedRows } from "./keyed_rows";
import { SkippableBlocks } from "./skippable_blocks";

/** Load older messages when the view is this close to the top (px). */
export const LOAD_MORE_MARGIN = 400;
export const LOAD_MORE_COUNT = 30;
/** Closer than this to the bottom counts as "at the newest message" (px). */
const BOTTOM_SLACK = 48;
/** The conversation is marked read this long after its newest message came into view. */
export const READ_DELAY_MS = 400;

/** What the thread asks of its Chatbox. */
export interface ThreadHost {
  send(msg: Record<string, unknown>): void;
  me(): string;
  isGroup(): boolean;
  everyoneReadUntil(): number;
  canLoadMore(): boolean;
  live(): boolean;
  /** Null while Python handles no actions (buttons inert). */
  actions(): ((messageId: string, action: string, params: Record<string, string>) => void) | null;
  reply(m: Message): void;
  edit(m: Message): void;
}

export class Thread {
  readonly el: HTMLDivElement;
  readonly scroller: HTMLDivElement;
  readonly urls: FileUrls;
  private readonly host: ThreadHost;
  private readonly rows: KeyedRows<Message, MessageRow>;
  private readonly rowsEl: HTMLDivElement;
  /** The rows, in blocks inside rowsEl (chunked_rows.ts: a new row's layout stays small). */
  private readonly slots: ChunkedRows;
  /** Blocks out of view are neither laid out nor painted (skippable_blocks.ts). */
  private readonly skippable: SkippableBlocks;
  private readonly top: HTMLDivElement;
  private readonly pendingEl: HTMLDivElement;
  private readonly typingEl: HTMLDivElement;
  private readonly typingText: HTMLSpanElement;
  private readonly sentinel: HTMLDivElement;
  private readonly jump: HTMLButtonElement;
  private readonly jumpText: HTMLSpanElement;
  private readonly live = new LiveRegion("tw-cb-sr");
  private readonly ctx: RowContext;
  private readonly pending: PendingMessages;
  private readonly reactorNames: ReactorNames;
  private observer: IntersectionObserver | null = null;
  private newestInView = false;
  private unseen = 0;
  private current: MessageRow | null = null;
  private readonly onDemand: ToolsOnDemand;
  private readonly tools: RowTools;
  /** Rows filled since the last placement, and whether any left: only their neighbourhood is re-placed. */
  private readonly changed = new Set<MessageRow>();
  private removedSome = false;
  private lastRead = "";
  private readTimer: ReturnType<typeof setTimeout> | undefined;
  private shownIds: { first: string; last: string } = { first: "", last: "" };

  constructor(host: ThreadHost) {
    this.host = host;
    this.urls = new FileUrls((m) => host.send(m));
    this.reactorNames = new ReactorNames((m) => host.send(m));
    this.tools = new RowTools(
      (id) => host.send({ op: "delete", id }),
      (text) => this.live.say(text),
    );
    this.el = h("div", "tw-cb-threadwrap");
    this.scroller = h("div", "tw-cb-thread", { role: "log", "aria-label": "Messages", tabindex: "-1" });
    this.top = h("div", "tw-cb-top");
    this.rowsEl = h("div", "tw-cb-rows");
    this.skippable = new SkippableBlocks(this.rowsEl, "tw-cb-chunk--skippable");
    this.slots = new ChunkedRows(this.rowsEl, "tw-cb-chunk", this.skippable);
    this.pending = new PendingMessages();
    this.pendingEl = this.pending.el;
    this.typingEl = h("div", "tw-cb-typing", { "aria-live": "polite" });
    const dots = h("span", "tw-cb-dots", { "aria-hidden": "true" });
    dots.append(h("span", ""), h("span", ""), h("span", ""));
    this.typingText = h("span", "tw-cb-typing-text");
    this.typingEl.append(dots, this.typingText);
    this.typingEl.hidden = true;
    this.sentinel = h("div", "tw-cb-sentinel", { "aria-hidden": "true" });
    this.scroller.append(this.top, this.rowsEl, this.pendingEl, this.typingEl, this.sentinel);
    this.jump = h("button", "tw-cb-jump", { type: "button" });
    this.jumpText = h("span", "");
    this.jump.append(icon("down", "tw-cb-svg"), this.jumpText);
    this.jump.hidden = true;
    this.jump.addEventListener("click", () => this.toBottom(true));
    this.el.append(this.scroller, this.jump, this.live.el);

    this.ctx = {
      me: () => host.me(),
      isGroup: () => host.isGroup(),
      everyoneReadUntil: () => host.everyoneReadUntil(),
      urls: this.urls,
      get onAction() {
        return host.actions();
      },
      act: (row, what, arg) => this.act(row, what, arg),
      reactors: (row, emoji, el) => this.reactorNames.request(row, emoji, el),
    };
    this.rows = new KeyedRows(this.slots, {
      create: (id) => createRow(id),
      update: (row, m) => {
        if (row.msg === m) return;
        fill(row, m, this.ctx);
        this.changed.add(row);
      },
      removed: (row) => {
        if (this.current === row) this.current = null;
        this.onDemand.forget(row);
        this.removedSome = true;
      },
    });
    this.scroller.addEventListener("scroll", () => this.onScroll(), { passive: true });
    this.scroller.addEventListener("keydown", (e) => this.onKey(e));
    this.scroller.addEventListener("focusin", (e) => this.onFocus(e.target as Element));
    this.onDemand = new ToolsOnDemand(
      this.rowsEl,
      this.ctx,
      (el) => this.rowOf(el),
      () => this.current,
    );
    if (typeof IntersectionObserver !== "undefined") {
      this.observer = new IntersectionObserver((entries) => {
        this.newestInView = entries.some((en) => en.isIntersecting);
        if (this.newestInView) this.seen();
      });
      this.observer.observe(this.sentinel);
    }
    document.addEventListener("visibilitychange", this.onVisible);
  }

  dispose(): void {
    this.observer?.disconnect();
    this.urls.dispose();
    this.tools.dispose();
    this.skippable.dispose();
    clearTimeout(this.readTimer);
    document.removeEventListener("visibilitychange", this.onVisible);
  }

  // --- the list --------------------------------------------------------------------------------

  /** Show `list` (the `messages` trait): rows patched, neighbours re-placed, scroll kept. */
  show(list: readonly Message[], reset: boolean): void {
    const s = this.scroller;
    const wasAtBottom = reset || this.atBottom();
    const anchor = wasAtBottom ? null : this.anchor();
    const before = this.shownIds;
    if (!this.rows.show(list)) return;
    const first = list[0]?.id ?? "";
    const last = list[list.length - 1]?.id ?? "";
    this.shownIds = { first, last };
    this.placeChanged();
    this.pending.arrived((mid) => !!this.rows.get(mid));
    const appended = !reset && before.last !== last && !!last;
    // DOM writes (the announcements) before the first layout read below: one forced layout per update
    const arrived = appended ? this.announce(list, before.last) : { mine: false, others: 0 };
    this.skippable.settle(); // changed blocks count with their real heights in the layout read next
    if (wasAtBottom) this.toBottom(false);
    else if (anchor?.el.isConnected) s.scrollTop += anchor.el.getBoundingClientRect().bottom - anchor.bottom;
    if (arrived.mine && !wasAtBottom) this.toBottom(true); // your own message always comes into view
    if (arrived.others && !this.atBottom()) {
      this.unseen += arrived.others;
      this.syncJump();
    }
    this.syncTop();
    if (this.newestInView || (wasAtBottom && this.visible())) this.seen();
    this.maybeLoadMore();
  }

  /**
   * What the reader looks at: the first message whose bubble line ends inside the view, and where
   * it ends. After an update the view is moved so it ends there again, whatever changed above it
   * (older messages, a day divider or a sender's name that went, a resized image).
   */
  private anchor(): { el: Element; bottom: number } | null {
    const row = this.skippable.firstRowEndingBelow(this.scroller.scrollTop);
    const line = row?.querySelector(".tw-cb-line");
    return line ? { el: line, bottom: line.getBoundingClientRect().bottom } : null;
  }

  /**
   * Group and day classes from the neighbours, for the rows that changed and the rows next to them
   * (a new message touches three rows, whatever the history loaded); everything after a removal.
   */
  private placeChanged(): void {
    if (this.removedSome || this.changed.size > this.slots.count / 2) {
      this.placeAll();
    } else {
      const touched = new Set<MessageRow>();
      for (const row of this.changed) {
        if (!row.el.isConnected) continue;
        touched.add(row);
        const prev = this.rowOf(this.slots.prev(row.el));
        const next = this.rowOf(this.slots.next(row.el));
        if (prev) touched.add(prev);
        if (next) touched.add(next);
      }
      for (const row of touched) this.placeOne(row);
    }
    this.changed.clear();
    this.removedSome = false;
  }

  private placeOne(row: MessageRow): void {
    const m = row.msg;
    if (!m) return;
    const prev = this.rowOf(this.slots.prev(row.el))?.msg ?? undefined;
    const next = this.rowOf(this.slots.next(row.el))?.msg ?? undefined;
    const newDay = !prev || !sameDay(prev.created_at, m.created_at);
    place(row, newDay, newDay || !sameGroup(prev, m), !sameGroup(m, next));
  }

  /** Group and day classes for every row from its neighbours (class toggles only where they change). */
  private placeAll(): void {
    let prev: Message | undefined;
    let prevRow: MessageRow | undefined;
    for (let el = this.slots.first(); el; el = this.slots.next(el)) {
      const row = this.rows.get((el as HTMLElement).dataset.id ?? "");
      if (!row?.msg) continue;
      const m = row.msg;
      const newDay = !prev || !sameDay(prev.created_at, m.created_at);
      const cont = !newDay && sameGroup(prev, m);
      if (prevRow) prevRow.el.classList.toggle("tw-cb-msg--last", !cont);
      place(row, newDay, !cont, true);
      prev = m;
      prevRow = row;
    }
  }

  /** New messages at the end: announce others' (no layout read); whether one is mine, how many are not. */
  private announce(list: readonly Message[], previousLast: string): { mine: boolean; others: number } {
    const me = this.host.me();
    let mine = false;
    let others = 0;
    for (let i = list.length - 1; i >= 0 && list[i]!.id !== previousLast; i--) {
      const m = list[i]!;
      if (m.sender?.id === me) {
        mine = true;
        continue;
      }
      others++;
      if (others <= 3) this.live.say(`${nameOf(m.sender)}: ${(m.plaintext || "").slice(0, 140)}`);
    }
    return { mine, others };
  }

  setTyping(t: Typing): void {
    const text = typingText(!!t?.many, Array.isArray(t?.users) ? t.users : []);
    const stick = this.atBottom();
    this.typingText.textContent = text;
    this.typingEl.hidden = !text;
    if (stick) this.toBottom(false);
  }

  /** Own messages' read ticks, from the newest back to the first one already shown as read. */
  syncRead(): void {
    const until = this.host.everyoneReadUntil();
    for (let el = this.slots.last(); el; el = this.slots.prev(el)) {
      const row = this.rows.get((el as HTMLElement).dataset.id ?? "");
      if (!row?.ticks) continue;
      const wasRead = row.readShown;
      showRead(row, until);
      if (wasRead) break;
    }
  }

  /** Re-fill every row (the current user or the action handler changed). */
  refill(list: readonly Message[]): void {
    for (const m of list) {
      const row = this.rows.get(m.id);
      if (row) fill(row, m, this.ctx);
    }
    this.placeAll();
  }

  setStatus(text: string): void {
    this.top.textContent = text;
  }

  private syncTop(): void {
    const more = this.host.canLoadMore();
    this.top.classList.toggle("tw-cb-top--more", more);
    if (!more && this.slots.count) this.top.textContent = "";
  }

  // --- scrolling ---------------------------------------------------------------------------------

  private atBottom(): boolean {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < BOTTOM_SLACK;
  }

  toBottom(smooth: boolean): void {
    const s = this.scroller;
    if (smooth && typeof s.scrollTo === "function") s.scrollTo({ top: s.scrollHeight, behavior: "smooth" });
    else s.scrollTop = s.scrollHeight;
    this.unseen = 0;
    this.syncJump();
  }

  /** Bring a message into view and flash it; false when it is not loaded. */
  scrollTo(id: string): boolean {
    const row = this.rows.get(id);
    if (!row) return false;
    row.el.scrollIntoView?.({ block: "center" });
    row.el.classList.remove("tw-cb-msg--flash");
    void row.el.offsetWidth; // restart the animation
    row.el.classList.add("tw-cb-msg--flash");
    this.focusRow(row);
    return true;
  }

  private onScroll(): void {
    if (this.atBottom() && this.unseen) {
      this.unseen = 0;
      this.syncJump();
    }
    this.maybeLoadMore();
  }

  /** Near the top of a shown, laid-out thread (or one too short to scroll): ask for older messages. */
  maybeLoadMore(): void {
    const s = this.scroller;
    // the cheap checks first: reading the layout forces one when the DOM just changed
    if (!this.slots.count || !this.host.canLoadMore() || !this.host.live() || !s.clientHeight) return;
    if (s.scrollTop < LOAD_MORE_MARGIN) {
      this.top.textContent = "Loading earlier messages…";
      this.host.send({ op: "load_more", count: LOAD_MORE_COUNT });
    }
  }

  private syncJump(): void {
    const show = this.unseen > 0;
    const text = show ? `${this.unseen} new ${this.unseen === 1 ? "message" : "messages"}` : "";
    if (this.jumpText.textContent === text) return; // every update at the bottom lands here: no restyle
    this.jump.hidden = !show;
    this.jumpText.textContent = text;
    this.jump.setAttribute("aria-label", show ? `${text}: scroll to the newest` : "");
  }

  // --- read marking --------------------------------------------------------------------------------

  private readonly onVisible = () => {
    if (this.newestInView) this.seen();
  };

  private visible(): boolean {
    return document.visibilityState !== "hidden";
  }

  /**
   * The newest message is in view: tell the kernel (it marks the conversation read if it is
   * unread), once things settle (READ_DELAY_MS), so that a burst of messages is one read, not one
   * per message.
   */
  private seen(): void {
    if (this.readTimer !== undefined) return;
    this.readTimer = setTimeout(() => {
      this.readTimer = undefined;
      if (!this.visible() || !this.host.live() || !(this.newestInView || this.atBottom())) return;
      const last = this.shownIds.last;
      if (!last || last === this.lastRead) return;
      this.lastRead = last;
      this.host.send({ op: "read" });
    }, READ_DELAY_MS);
  }

  // --- sending -------------------------------------------------------------------------------------

  /** A message the composer sent: shown at once, greyed, until the kernel's copy arrives. */
  addPending(nonce: string, text: string, replyTo: string | null): void {
    this.pending.add(nonce, text, replyTo);
    this.toBottom(false);
  }

  sent(nonce: string, id: string): void {
    this.pending.sent(nonce, id, (mid) => !!this.rows.get(mid));
  }

  failed(nonce: string, reason: string, retry: (text: string, replyTo: string | null) => void): void {
    this.pending.failed(nonce, reason, retry);
  }

  // --- tools -------------------------------------------------------------------------------------

  private act(row: MessageRow, what: string, arg?: string): void {
    const m = row.msg;
    if (!m) return;
    if (!this.host.live() && what !== "quote") return;
    switch (what) {
      case "react":
      case "unreact":
        this.host.send({ op: "react", id: m.id, emoji: arg, on: what === "react" });
        this.tools.closePicker();
        break;
      case "picker":
        this.tools.openPicker(row, (emoji, on) => this.act(row, on ? "react" : "unreact", emoji));
        break;
      case "reply":
        this.host.reply(m);
        break;
      case "edit":
        this.host.edit(m);
        break;
      case "delete":
        this.tools.confirmDelete(row);
        break;
      case "quote":
        if (arg && !this.scrollTo(arg)) this.host.send({ op: "find", id: arg });
        break;
    }
  }

  /** The kernel's answer to `reactors`: shown as the pill's tooltip. */
  takeReactors(id: string, emoji: string, names: string[]): void {
    this.reactorNames.take(this.rows.get(id), id, emoji, names);
  }

  // --- keyboard --------------------------------------------------------------------------------

  private rowOf(el: Element | null): MessageRow | null {
    const item = el?.closest?.(".tw-cb-msg");
    if (!item || !this.rowsEl.contains(item)) return null;
    return this.rows.get((item as HTMLElement).dataset.id ?? "") ?? null;
  }

  /** The focus came into a row: it becomes the current row, its tools built and in the Tab order. */
  private onFocus(target: Element): void {
    const row = this.rowOf(target);
    if (!row || row === this.current) return;
    const previous = this.current;
    this.current = row;
    this.onDemand.focused(row, previous);
  }

  private focusRow(row: MessageRow | null): void {
    if (!row) return;
    this.onFocus(row.el);
    row.el.focus({ preventScroll: false });
  }

  /** Focus the newest message (from the composer, or when the thread gets focus). */
  focusNewest(): void {
    this.focusRow(this.rowOf(this.slots.last()));
  }

  private onKey(e: KeyboardEvent): void {
    const row = this.rowOf(e.target as Element);
    if (!row) return;
    const onRow = e.target === row.el;
    let target: MessageRow | null = null;
    if (e.key === "ArrowUp" && onRow) target = this.rowOf(this.slots.prev(row.el)) ?? row;
    else if (e.key === "ArrowDown" && onRow) target = this.rowOf(this.slots.next(row.el)) ?? row;
    else if (e.key === "Home" && onRow) target = this.rowOf(this.slots.first());
    else if (e.key === "End" && onRow) target = this.rowOf(this.slots.last());
    else if (e.key === "Escape" && !onRow) {
      e.preventDefault();
      this.focusRow(row);
      return;
    } else return;
    e.preventDefault();
    this.focusRow(target);
  }
}
