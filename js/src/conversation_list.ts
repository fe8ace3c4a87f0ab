/**
 * Front end of `talkwidgets.ConversationList` (anywidget ESM module).
 *
 * Messages (docs/widget-sync-protocol.md; Python side: talkwidgets/widgets/conversation_list.py):
 *   kernel -> browser  the numbered patches of `conversations` (patch_client.ts)
 *   browser -> kernel  {op: "ready", seq} | {op: "resync"} (patch_client.ts)
 *                      {op: "load_more", count: 20} | {op: "select", id}
 *
 * `initialize` attaches one patch client per model, whatever the number of views; each view
 * follows the `conversations` trait with KeyedRows (patched row by row, or reconciled by id).
 * Each view watches the model's KernelLink (kernel_link.ts): while the kernel is not there, the
 * list says so, its dot turns to "Kernel offline", and clicks and keys select nothing.
 */
import "./conversation_list.css";
import type { AnyModel, Initialize, Render } from "@anywidget/types";
import { h, widgetRoot } from "./dom";
import { activityMillis, avatarUrl, badgeText, hueOf, initialsOf, previewOf, relativeTime, titleOf } from "./format";
import { acquireLink, type KernelLink, offlineText, releaseLink } from "./kernel_link";
import { KeyedRows } from "./keyed_rows";
import { attachPatchClient, listOf, type PatchedTraits } from "./patch_client";
import type { Conversation, ConversationListModel } from "./types";
import { Disposer } from "./widget_model";

type Model = AnyModel<ConversationListModel>;

export const LOAD_MORE_COUNT = 20;
/** How often relative times ("5m") are refreshed. */
export const CLOCK_TICK_MS = 30_000;
/** The patched list of this widget (the kernel half is PatchedListSync). */
export const CONVERSATION_TRAITS: PatchedTraits = { list: "conversations", seq: "_seq" };

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
  "kernel-offline": "Kernel offline",
  "kernel-silent": "Kernel not answering",
};

let viewCounter = 0;

let fullDateFormat: Intl.DateTimeFormat | undefined;
/** Shared (creating a formatter per row is slow): the tooltip of the relative time. */
function fullDate(): Intl.DateTimeFormat {
  fullDateFormat ??= new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  return fullDateFormat;
}

export class ConversationListView {
  readonly root: HTMLDivElement;
  private readonly model: Model;
  private readonly link: KernelLink;
  private readonly uid = `tw-cl-${++viewCounter}`;
  private readonly listEl: HTMLDivElement;
  private readonly banner: HTMLDivElement;
  private readonly conn: HTMLSpanElement;
  private readonly placeholder: HTMLDivElement;
  private readonly moreBtn: HTMLButtonElement;
  private readonly rows: KeyedRows<Conversation, Row>;
  private selectedRow: Row | null = null;
  private tabStop: Row | null = null;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly listeners = new Disposer();
  private rowCounter = 0;

  constructor(model: Model, el: HTMLElement) {
    this.model = model;
    this.link = acquireLink(model);
    const root = widgetRoot("tw-cl");
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

    this.rows = new KeyedRows(this.listEl, {
      create: (id) => this.createRow(id),
      update: (row, c) => this.updateRow(row, c),
      removed: (row) => this.rowRemoved(row),
    });

    this.listEl.addEventListener("keydown", (e) => this.onKeyDown(e));
    this.listEl.addEventListener("click", (e) => this.onClick(e));
    this.moreBtn.addEventListener("click", () => this.loadMore());

    this.listen("change:conversations", () => this.syncList());
    this.listen("change:current_user_id", () => this.refreshAllRows());
    this.listen("change:selected_id", () => this.syncSelection());
    for (const key of ["state", "error", "connection", "loaded_all", "loading_more"]) {
      this.listen(`change:${key}`, () => this.syncStatus());
    }
    this.listeners.add(this.link.subscribe(() => this.syncStatus()));
    this.syncList();
    this.syncStatus();
    this.timer = setInterval(() => this.tick(), CLOCK_TICK_MS);
  }

  destroy(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.listeners.dispose();
    releaseLink(this.model);
    this.root.remove();
  }

  private listen(ev: string, fn: () => void): void {
    this.listeners.listen(this.model, ev, fn);
  }

  // --- list ----------------------------------------------------------------------------------

  private syncList(): void {
    const active = document.activeElement;
    if (!this.rows.show(listOf<Conversation>(this.model, CONVERSATION_TRAITS.list))) return;
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

  private rowRemoved(row: Row): void {
    if (this.selectedRow === row) this.selectedRow = null;
    if (this.tabStop === row) this.tabStop = null;
  }

  private updateRow(row: Row, c: Conversation): void {
    if (row.conv === c) return;
    const sig = JSON.stringify(c);
    row.conv = c;
    if (sig !== row.sig) {
      row.sig = sig;
      this.fillRow(row, c, this.model.get("current_user_id") || "");
    }
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
    this.link.check(); // a click on a widget whose kernel is gone is found out within a few seconds
    if (!this.link.state().live) return;
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
    this.link.check();
    if (!this.link.state().live || this.model.get("loading_more") || this.model.get("loaded_all")) return;
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

    const link = this.link.state();
    this.root.dataset.state = state;
    this.root.dataset.link = link.live ? "live" : "offline";
    this.listEl.setAttribute("aria-disabled", String(!link.live));

    const offline = offlineText(link);
    const bannerText =
      offline ||
      error ||
      (state === "error" ? "Something went wrong." : state === "unsubscribed" ? "Live updates stopped." : "");
    if (this.banner.textContent !== bannerText) this.banner.textContent = bannerText;
    this.banner.hidden = bannerText === "";
    this.banner.classList.toggle("tw-cl-banner--info", !offline && !error && state === "unsubscribed");
    this.banner.classList.toggle("tw-cl-banner--warn", link.reason === "silent"); // may come back: a warning

    // Without a kernel nothing is live, whatever the session said last.
    const dot = link.live ? connection : link.reason === "silent" ? "kernel-silent" : "kernel-offline";
    const label = CONNECTION_LABELS[dot] ?? dot;
    this.conn.className = `tw-cl-conn tw-cl-conn--${dot}`;
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
    this.moreBtn.disabled = loadingMore || !link.live;
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

const initialize: Initialize<ConversationListModel> = ({ model }) => attachPatchClient(model, CONVERSATION_TRAITS);

const render: Render<ConversationListModel> = ({ model, el }) => {
  const view = new ConversationListView(model, el);
  return () => view.destroy();
};

// Only a default export: anywidget treats a named `render` export as the deprecated module format.
export default { initialize, render };
