/**
 * Front end of `talkwidgets.ConversationList` (anywidget ESM module).
 *
 * Sync protocol (docs/widget-sync-protocol.md; Python side: talkwidgets/widgets/_list_sync.py):
 *   kernel -> browser  {op: "patch", seq, ops: [{t: "put", at, c} | {t: "del", id}]}
 *   browser -> kernel  {op: "ready", seq} | {op: "resync"} | {op: "load_more", count: 20} | {op: "select", id}
 *
 * `ready` is sent once per model from `initialize`, with the `_seq` the front end starts from: patches
 * sent before the front end listened are lost, so the kernel re-sends the traits when its seq differs.
 *
 * Patches are applied once per model in `initialize`: when `seq === _seq + 1` the new list and
 * `_seq` are written into the model locally (`model.set`, no `save_changes`), so every view and a
 * saved notebook see the same list. On a gap (or a patch that does not apply) the front end sends
 * `{op: "resync"}` and ignores patches until the kernel re-sends the `conversations`/`_seq` traits.
 * Views patch their DOM row by row; a full trait change is reconciled by id with minimal moves.
 */
import "./conversation_list.css";
import type { AnyModel, Initialize, Render } from "@anywidget/types";
import { activityMillis, avatarUrl, badgeText, hueOf, initialsOf, previewOf, relativeTime, titleOf } from "./format";
import { applyOps, ListSyncError } from "./list_sync";
import type { Conversation, ConversationListModel, ListOp } from "./types";

type Model = AnyModel<ConversationListModel>;

export const LOAD_MORE_COUNT = 20;
/** How often relative times ("5m") are refreshed. */
export const CLOCK_TICK_MS = 30_000;
/** While waiting for a resync, re-ask if patches keep arriving for this long. */
export const RESYNC_RETRY_MS = 5_000;

interface PatchRecord {
  prev: readonly Conversation[];
  ops: readonly ListOp[];
}

/**
 * Lists produced by a patch, keyed by the array itself: each remembers the list it was applied to
 * and its ops, so a view that shows exactly `prev` can apply the same ops to its DOM instead of
 * diffing. (anywidget hands each view its own model proxy, but `get` returns the shared array.)
 */
const PATCHES = new WeakMap<readonly Conversation[], PatchRecord>();

function conversationsOf(model: Model): Conversation[] {
  const v = model.get("conversations");
  return Array.isArray(v) ? v : [];
}

function isPatch(msg: unknown): msg is { op: "patch"; seq: number; ops: unknown[] } {
  return typeof msg === "object" && msg !== null && (msg as { op?: unknown }).op === "patch";
}

/** Model-level wiring: applies patches (once per model, whatever the number of views). */
export function attachPatchHandler(model: Model): () => void {
  let awaitingResync = false;
  let requestedAt = 0;
  let applyingLocally = false;

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
    const current = Number(model.get("_seq")) || 0;
    const seq = Number(msg.seq);
    if (!Number.isInteger(seq)) return;
    if (seq <= current) return; // already contained in the state we have
    if (seq !== current + 1) {
      requestResync();
      return;
    }
    const prev = conversationsOf(model);
    let next: Conversation[];
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
      model.set("_seq", seq);
      model.set("conversations", next);
    } finally {
      applyingLocally = false;
    }
  };

  // Any trait change that we did not make ourselves comes from the kernel: a (re)sent state.
  const onTraitChange = () => {
    if (!applyingLocally) awaitingResync = false;
  };

  model.on("msg:custom", onMessage);
  model.on("change:_seq", onTraitChange);
  model.on("change:conversations", onTraitChange);
  model.send({ op: "ready", seq: Number(model.get("_seq")) || 0 });
  return () => {
    model.off("msg:custom", onMessage);
    model.off("change:_seq", onTraitChange);
    model.off("change:conversations", onTraitChange);
  };
}

// --- view ------------------------------------------------------------------------------------------

interface Row {
  el: HTMLDivElement;
  id: string;
  conv: Conversation | null;
  sig: string;
  ms: number | null;
  avatar: HTMLDivElement;
  initials: HTMLSpanElement;
  img: HTMLImageElement | null;
  title: HTMLSpanElement;
  time: HTMLTimeElement;
  prefix: HTMLSpanElement;
  text: HTMLSpanElement;
  badge: HTMLSpanElement;
}

const CONNECTION_LABELS: Record<string, string> = {
  connected: "Connected",
  reconnecting: "Reconnecting…",
  offline: "Offline",
};

let viewCounter = 0;

let fullDateFormat: Intl.DateTimeFormat | undefined;
/** Shared (creating a formatter per row is slow): the tooltip of the relative time. */
function fullDate(): Intl.DateTimeFormat {
  fullDateFormat ??= new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  return fullDateFormat;
}

function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  attrs: Record<string, string> = {},
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  el.className = className;
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

/** Positions (indexes into `seq`) of one longest increasing subsequence; -1 entries are skipped. */
function lisMembers(seq: readonly number[]): Set<number> {
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

export class ConversationListView {
  readonly root: HTMLDivElement;
  private readonly model: Model;
  private readonly uid = `tw-cl-${++viewCounter}`;
  private readonly listEl: HTMLDivElement;
  private readonly banner: HTMLDivElement;
  private readonly conn: HTMLSpanElement;
  private readonly placeholder: HTMLDivElement;
  private readonly moreBtn: HTMLButtonElement;
  private readonly rows = new Map<string, Row>();
  private rendered: readonly Conversation[] = [];
  private selectedRow: Row | null = null;
  private tabStop: Row | null = null;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly listeners: Array<[string, () => void]> = [];
  private rowCounter = 0;

  constructor(model: Model, el: HTMLElement) {
    this.model = model;
    const root = h("div", "tw-cl", {
      "data-lm-suppress-shortcuts": "true",
      "data-p-suppress-shortcuts": "true",
    });
    root.classList.add("lm-suppress-shortcuts");
    this.root = root;

    const header = h("div", "tw-cl-header");
    const heading = h("span", "tw-cl-heading", { id: `${this.uid}-heading` });
    heading.textContent = "Conversations";
    this.conn = h("span", "tw-cl-conn", { role: "img" });
    header.append(heading, this.conn);

    this.banner = h("div", "tw-cl-banner", { role: "alert", "aria-live": "assertive", "aria-atomic": "true" });

    const body = h("div", "tw-cl-body");
    this.listEl = h("div", "tw-cl-list", {
      role: "listbox",
      "aria-labelledby": `${this.uid}-heading`,
    });
    this.placeholder = h("div", "tw-cl-placeholder", { "aria-live": "polite" });
    this.moreBtn = h("button", "tw-cl-more", { type: "button" });
    this.moreBtn.textContent = "Load more";
    body.append(this.listEl, this.placeholder, this.moreBtn);
    root.append(header, this.banner, body);
    el.appendChild(root);

    // Keep notebook shortcuts (a, b, dd, arrows, Enter...) away while the widget has focus.
    root.addEventListener("keydown", (e) => e.stopPropagation());
    this.listEl.addEventListener("keydown", (e) => this.onKeyDown(e));
    this.listEl.addEventListener("click", (e) => this.onClick(e));
    this.moreBtn.addEventListener("click", () => this.loadMore());

    this.listen("change:conversations", () => this.syncList());
    this.listen("change:current_user_id", () => this.refreshAllRows());
    this.listen("change:selected_id", () => this.syncSelection());
    for (const key of ["state", "error", "connection", "loaded_all", "loading_more"]) {
      this.listen(`change:${key}`, () => this.syncStatus());
    }
    this.syncList();
    this.syncStatus();
    this.timer = setInterval(() => this.tick(), CLOCK_TICK_MS);
  }

  destroy(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    for (const [ev, fn] of this.listeners) this.model.off(ev as "change:conversations", fn);
    this.listeners.length = 0;
    this.root.remove();
  }

  private listen(ev: string, fn: () => void): void {
    this.model.on(ev as `change:${string}`, fn);
    this.listeners.push([ev, fn]);
  }

  // --- list ----------------------------------------------------------------------------------

  private syncList(): void {
    const next = conversationsOf(this.model);
    if (next === this.rendered) return;
    const active = document.activeElement;
    const record = PATCHES.get(next);
    if (record && record.prev === this.rendered) this.applyDomOps(record.ops);
    else this.reconcile(next);
    this.rendered = next;
    const hadFocus =
      active instanceof HTMLElement && active.classList.contains("tw-cl-item") && active !== document.activeElement;
    this.syncSelection();
    if (hadFocus) {
      // Moving a row blurs it; a removed row hands focus to the list's tab stop.
      const target = this.listEl.contains(active) ? active : this.tabStop?.el;
      target?.focus({ preventScroll: true });
    }
    this.syncStatus();
  }

  /** Mirror of applyOps on the DOM: the listbox children are exactly the rows, in list order. */
  private applyDomOps(ops: readonly ListOp[]): void {
    const currentUser = this.model.get("current_user_id") || "";
    for (const op of ops) {
      if (op.t === "del") {
        const row = this.rows.get(op.id);
        if (row) this.dropRow(row);
      } else {
        const row = this.upsertRow(op.c, currentUser);
        if (row.el.parentNode) row.el.remove();
        this.listEl.insertBefore(row.el, this.listEl.children[op.at] ?? null);
      }
    }
  }

  /** Bring the DOM to `next` by id: drop vanished rows, update changed ones, move as few as possible. */
  private reconcile(next: readonly Conversation[]): void {
    const currentUser = this.model.get("current_user_id") || "";
    const wanted = new Set<string>();
    for (const c of next) if (c && typeof c.id === "string") wanted.add(c.id);
    for (const row of [...this.rows.values()]) if (!wanted.has(row.id)) this.dropRow(row);

    const domIndex = new Map<Element, number>();
    Array.from(this.listEl.children).forEach((el, i) => {
      domIndex.set(el, i);
    });
    const seen = new Set<string>();
    const order: Row[] = [];
    for (const c of next) {
      if (!c || typeof c.id !== "string" || seen.has(c.id)) continue; // tolerate bad data
      seen.add(c.id);
      order.push(this.upsertRow(c, currentUser));
    }
    const stay = lisMembers(order.map((r) => domIndex.get(r.el) ?? -1));
    let anchor: Node | null = null;
    for (let i = order.length - 1; i >= 0; i--) {
      const row = order[i]!;
      if (!stay.has(i)) this.listEl.insertBefore(row.el, anchor);
      anchor = row.el;
    }
  }

  private dropRow(row: Row): void {
    row.el.remove();
    this.rows.delete(row.id);
    if (this.selectedRow === row) this.selectedRow = null;
    if (this.tabStop === row) this.tabStop = null;
  }

  private upsertRow(c: Conversation, currentUser: string): Row {
    let row = this.rows.get(c.id);
    if (!row) {
      row = this.createRow(c.id);
      this.rows.set(c.id, row);
    }
    if (row.conv !== c) {
      const sig = JSON.stringify(c);
      row.conv = c;
      if (sig !== row.sig) {
        row.sig = sig;
        this.fillRow(row, c, currentUser);
      }
    }
    return row;
  }

  private createRow(id: string): Row {
    const el = h("div", "tw-cl-item", {
      role: "option",
      id: `${this.uid}-opt-${++this.rowCounter}`,
      "aria-selected": "false",
      tabindex: "-1",
    });
    el.dataset.id = id;
    const avatar = h("div", "tw-cl-avatar", { "aria-hidden": "true" });
    const initials = h("span", "tw-cl-initials");
    avatar.append(initials);
    const main = h("div", "tw-cl-main");
    const line1 = h("div", "tw-cl-line");
    const title = h("span", "tw-cl-title");
    const time = h("time", "tw-cl-time");
    line1.append(title, time);
    const line2 = h("div", "tw-cl-line");
    const preview = h("span", "tw-cl-preview");
    const prefix = h("span", "tw-cl-sender");
    const text = h("span", "tw-cl-text");
    preview.append(prefix, text);
    const badge = h("span", "tw-cl-badge");
    line2.append(preview, badge);
    main.append(line1, line2);
    el.append(avatar, main);
    return { el, id, conv: null, sig: "", ms: null, avatar, initials, img: null, title, time, prefix, text, badge };
  }

  private fillRow(row: Row, c: Conversation, currentUser: string): void {
    const title = titleOf(c);
    row.title.textContent = title;
    row.title.title = title;

    row.initials.textContent = initialsOf(c);
    row.avatar.style.setProperty("--tw-cl-hue", String(hueOf(c.id)));
    const url = avatarUrl(c);
    if (url) {
      if (!row.img) {
        const img = h("img", "tw-cl-photo", {
          alt: "",
          loading: "lazy",
          referrerpolicy: "no-referrer",
          decoding: "async",
        });
        img.addEventListener("error", () => row.avatar.classList.add("tw-cl-avatar--broken"));
        img.addEventListener("load", () => row.avatar.classList.remove("tw-cl-avatar--broken"));
        row.avatar.append(img);
        row.img = img;
      }
      if (row.img.getAttribute("src") !== url) {
        row.avatar.classList.remove("tw-cl-avatar--broken");
        row.img.src = url;
      }
    } else if (row.img) {
      row.img.remove();
      row.img = null;
    }

    const p = previewOf(c, currentUser);
    row.prefix.textContent = p.prefix;
    row.text.textContent = p.text;
    row.el.classList.toggle("tw-cl-item--system", p.system);
    row.el.classList.toggle("tw-cl-item--nomsg", p.empty);

    const badge = badgeText(c.unread_message_count);
    row.badge.textContent = badge;
    row.badge.hidden = badge === "";
    const unread = badge !== "" || c.is_unread === true;
    row.el.classList.toggle("tw-cl-item--unread", unread);

    row.ms = activityMillis(c);
    this.updateTime(row, Date.now());
    if (row.ms !== null) {
      const d = new Date(row.ms);
      row.time.dateTime = d.toISOString();
      row.time.title = fullDate().format(d);
    } else {
      row.time.removeAttribute("datetime");
      row.time.removeAttribute("title");
    }

    const unreadLabel = badge ? `, ${badge} unread` : unread ? ", unread" : "";
    row.el.setAttribute("aria-label", `${title}${unreadLabel}: ${p.prefix}${p.text}`);
  }

  private updateTime(row: Row, now: number): void {
    const label = relativeTime(row.ms, now);
    if (row.time.textContent !== label) row.time.textContent = label;
  }

  private refreshAllRows(): void {
    const currentUser = this.model.get("current_user_id") || "";
    for (const row of this.rows.values()) if (row.conv) this.fillRow(row, row.conv, currentUser);
  }

  private tick(): void {
    const now = Date.now();
    for (const row of this.rows.values()) this.updateTime(row, now);
  }

  // --- selection and focus -------------------------------------------------------------------

  private syncSelection(): void {
    const id = this.model.get("selected_id");
    const row = typeof id === "string" ? (this.rows.get(id) ?? null) : null;
    if (row !== this.selectedRow) {
      if (this.selectedRow) {
        this.selectedRow.el.setAttribute("aria-selected", "false");
        this.selectedRow.el.classList.remove("tw-cl-item--selected");
      }
      if (row) {
        row.el.setAttribute("aria-selected", "true");
        row.el.classList.add("tw-cl-item--selected");
      }
      this.selectedRow = row;
    }
    // Roving tabindex: one row is reachable with Tab (the focused one, else the selected, else the first).
    const focused = this.rowOf(document.activeElement);
    const first = this.listEl.firstElementChild;
    const stop = focused ?? row ?? (this.tabStop?.el.parentNode ? this.tabStop : null) ?? this.rowOf(first);
    this.setTabStop(stop);
  }

  private setTabStop(row: Row | null): void {
    if (this.tabStop === row) return;
    if (this.tabStop) this.tabStop.el.tabIndex = -1;
    if (row) row.el.tabIndex = 0;
    this.tabStop = row;
  }

  private rowOf(el: Element | null | undefined): Row | null {
    const item = el instanceof Element ? el.closest(".tw-cl-item") : null;
    if (!item || !this.listEl.contains(item)) return null;
    return this.rows.get((item as HTMLElement).dataset.id ?? "") ?? null;
  }

  private focusRow(row: Row | null): void {
    if (!row) return;
    this.setTabStop(row);
    row.el.focus();
    row.el.scrollIntoView?.({ block: "nearest" });
  }

  /**
   * The selection goes to the kernel as a message, and the kernel sets `selected_id` (which syncs
   * back to every view). No `save_changes()`: ipywidgets would send along everything set locally,
   * including the whole patched list (about 1 KB per row), which the kernel already has.
   */
  private select(row: Row): void {
    this.model.set("selected_id", row.id);
    this.model.send({ op: "select", id: row.id });
    this.syncSelection();
  }

  private onClick(e: MouseEvent): void {
    const row = this.rowOf(e.target as Element);
    if (!row) return;
    this.focusRow(row);
    this.select(row);
  }

  private onKeyDown(e: KeyboardEvent): void {
    const row = this.rowOf(e.target as Element) ?? this.tabStop;
    if (!row) return;
    const sibling = (el: Element | null) => this.rowOf(el);
    let target: Row | null = null;
    switch (e.key) {
      case "ArrowDown":
        target = sibling(row.el.nextElementSibling) ?? row;
        break;
      case "ArrowUp":
        target = sibling(row.el.previousElementSibling) ?? row;
        break;
      case "Home":
        target = sibling(this.listEl.firstElementChild);
        break;
      case "End":
        target = sibling(this.listEl.lastElementChild);
        break;
      case "Enter":
      case " ":
      case "Spacebar":
        e.preventDefault();
        this.select(row);
        return;
      default:
        return;
    }
    e.preventDefault();
    this.focusRow(target);
  }

  private loadMore(): void {
    if (this.model.get("loading_more") || this.model.get("loaded_all")) return;
    this.model.send({ op: "load_more", count: LOAD_MORE_COUNT });
  }

  // --- status: loading / empty / error / connection / load more ----------------------------

  private syncStatus(): void {
    const state = this.model.get("state") || "pending";
    const error = this.model.get("error") || "";
    const connection = this.model.get("connection") || "connected";
    const loadedAll = !!this.model.get("loaded_all");
    const loadingMore = !!this.model.get("loading_more");
    const count = this.listEl.childElementCount;

    this.root.dataset.state = state;

    const bannerText =
      error || (state === "error" ? "Something went wrong." : state === "unsubscribed" ? "Live updates stopped." : "");
    if (this.banner.textContent !== bannerText) this.banner.textContent = bannerText;
    this.banner.hidden = bannerText === "";
    this.banner.classList.toggle("tw-cl-banner--info", !error && state === "unsubscribed");

    const label = CONNECTION_LABELS[connection] ?? connection;
    this.conn.className = `tw-cl-conn tw-cl-conn--${connection}`;
    this.conn.title = label;
    this.conn.setAttribute("aria-label", `Connection: ${label}`);

    let placeholder = "";
    if (count === 0 && state === "pending") placeholder = "loading";
    else if (count === 0 && state !== "error") placeholder = "empty";
    if (this.placeholder.dataset.kind !== placeholder) {
      this.placeholder.dataset.kind = placeholder;
      this.placeholder.replaceChildren(...this.placeholderContent(placeholder));
    }
    this.placeholder.hidden = placeholder === "";
    this.listEl.setAttribute("aria-busy", String(state === "pending" || loadingMore));

    this.moreBtn.hidden = loadedAll || count === 0;
    this.moreBtn.disabled = loadingMore;
    this.moreBtn.textContent = loadingMore ? "Loading…" : "Load more";
  }

  private placeholderContent(kind: string): Node[] {
    if (kind === "loading") {
      const label = h("span", "tw-cl-sr");
      label.textContent = "Loading conversations…";
      const skeletons = [0, 1, 2].map(() => {
        const s = h("div", "tw-cl-skeleton", { "aria-hidden": "true" });
        s.append(h("span", "tw-cl-skeleton-avatar"), h("span", "tw-cl-skeleton-lines"));
        return s;
      });
      return [label, ...skeletons];
    }
    if (kind === "empty") {
      const title = h("div", "tw-cl-empty-title");
      title.textContent = "No conversations yet";
      const hint = h("div", "tw-cl-empty-hint");
      hint.textContent = "Conversations you join will show up here.";
      return [title, hint];
    }
    return [];
  }
}

const initialize: Initialize<ConversationListModel> = ({ model }) => attachPatchHandler(model);

const render: Render<ConversationListModel> = ({ model, el }) => {
  const view = new ConversationListView(model, el);
  return () => view.destroy();
};

// Only a default export: anywidget treats a named `render` export as the deprecated module format.
export default { initialize, render };
