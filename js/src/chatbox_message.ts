/**
 * One message row of the Chatbox thread: the day divider, the avatar, the sender's name, the bubble
 * (quote, text, files, time, edited mark, read ticks), the reactions and the row's tools (react,
 * reply, edit, delete). A row is rebuilt when its message object changes; where it sits in its
 * group (first, last) and whether it opens a day are set by the thread (`place`).
 *
 * The tools are built only while the thread asks for them (`showTools`: the row is hovered, or is
 * the keyboard's current row) and dropped after (`dropTools`): they were over a third of a loaded
 * thread's elements, and every element costs each frame's pre-paint and paint over the whole
 * thread. Their room beside the bubble stays reserved (`tw-cb-stack--tools`), so nothing moves
 * when they come and go.
 */
import { type FileUrls, type FileView, fileView, locationView } from "./chatbox_files";
import { clock, dayLabel, fullTime, initials, nameOf, quoteText } from "./chatbox_format";
import { type ActionHandler, renderNodes } from "./chatbox_markup";
import type { Block, FileContent, LocationContent, Message, Person, Reaction } from "./chatbox_types";
import { h } from "./dom";
import { hueOf, safeUrl } from "./format";
import { type IconName, icon } from "./icons";

/** The quick reactions offered by the picker. */
export const QUICK_REACTIONS = ["👍", "❤️", "😂", "😮", "😢", "🎉", "🙏", "👀"];

/** What a row needs from the thread. */
export interface RowContext {
  me(): string;
  isGroup(): boolean;
  everyoneReadUntil(): number;
  urls: FileUrls;
  /** Action buttons and links call this (null: they are shown inert). */
  onAction: ((messageId: string, action: string, params: Record<string, string>) => void) | null;
  /** The row's tools and pills were used. */
  act(
    row: MessageRow,
    what: "react" | "unreact" | "reply" | "edit" | "delete" | "quote" | "picker",
    arg?: string,
  ): void;
  reactors(row: MessageRow, emoji: string, el: HTMLElement): void;
}

export interface MessageRow {
  el: HTMLDivElement;
  id: string;
  msg: Message | null;
  mine: boolean;
  day: HTMLDivElement;
  dayText: HTMLSpanElement;
  body: HTMLDivElement;
  ticks: HTMLSpanElement | null;
  /** The buttons inside the message (reaction pills, the quote): Tab reaches them on the current row. */
  tools: HTMLButtonElement[];
  /** The react/reply/edit/delete buttons while shown (null: not built). */
  toolbar: HTMLDivElement | null;
  /** Whether the row's buttons are in the Tab order (the keyboard's current row). */
  tabbable: boolean;
  files: FileView[];
  readShown: boolean;
}

let rowCounter = 0;

export function createRow(id: string): MessageRow {
  const el = h("div", "tw-cb-msg", { role: "article", tabindex: "-1", id: `tw-cb-msg-${++rowCounter}` });
  el.dataset.id = id;
  const day = h("div", "tw-cb-day", { role: "separator" });
  const dayText = h("span", "tw-cb-day-text");
  day.append(dayText);
  day.hidden = true;
  const body = h("div", "tw-cb-line");
  el.append(day, body);
  return {
    el,
    id,
    msg: null,
    mine: false,
    day,
    dayText,
    body,
    ticks: null,
    tools: [],
    toolbar: null,
    tabbable: false,
    files: [],
    readShown: false,
  };
}

/** Whether it starts a day, a group and ends a group (set by the thread from the neighbours). */
export function place(row: MessageRow, newDay: boolean, first: boolean, last: boolean): void {
  const m = row.msg;
  row.day.hidden = !newDay;
  if (newDay && m) {
    const label = dayLabel(m.created_at);
    if (row.dayText.textContent !== label) row.dayText.textContent = label;
  }
  row.el.classList.toggle("tw-cb-msg--first", first);
  row.el.classList.toggle("tw-cb-msg--last", last);
}

function avatar(p: Person | null): HTMLDivElement {
  const el = h("div", "tw-cb-avatar", { "aria-hidden": "true" });
  const name = nameOf(p);
  el.style.setProperty("--tw-cb-hue", String(hueOf(p?.id || name)));
  const letters = h("span", "tw-cb-initials");
  letters.textContent = initials(name);
  el.append(letters);
  const url = safeUrl(p?.photo_url);
  if (url) {
    const img = h("img", "tw-cb-photo", { alt: "", loading: "lazy", decoding: "async", referrerpolicy: "no-referrer" });
    img.addEventListener("error", () => img.remove());
    img.src = url;
    el.append(img);
  }
  return el;
}

function toolButton(name: IconName, label: string, onClick: () => void): HTMLButtonElement {
  const b = h("button", `tw-cb-tool tw-cb-tool--${name}`, { type: "button", "aria-label": label, tabindex: "-1" });
  b.title = label;
  b.append(icon(name, "tw-cb-svg"));
  b.addEventListener("click", (e) => {
    e.stopPropagation();
    onClick();
  });
  return b;
}

function content(row: MessageRow, blocks: Block[], ctx: RowContext): { el: HTMLElement; media: boolean } {
  const el = h("div", "tw-cb-content");
  let media = blocks.length > 0;
  blocks.forEach((b, index) => {
    if (b.type === "text") {
      media = false;
      const t = h("div", "tw-cb-text", { dir: "auto" });
      const act = ctx.onAction;
      const handler: ActionHandler = act ? (action, params) => act(row.id, action, params) : null;
      renderNodes(t, (b as { children: unknown }).children, handler);
      el.append(t);
    } else if (b.type === "file") {
      const f = b as FileContent;
      const view = fileView(f);
      if (f.subtype !== "image" && f.subtype !== "video") media = false;
      row.files.push(view);
      el.append(view.el);
      ctx.urls.get(row.id, (urls) => view.setUrl(urls[index] ?? null));
    } else if (b.type === "location") {
      media = false;
      el.append(locationView(b as LocationContent));
    } else {
      media = false;
      const t = h("div", "tw-cb-text tw-cb-text--unsupported");
      t.textContent = "This message cannot be shown here.";
      el.append(t);
    }
  });
  return { el, media };
}

function reactionPills(row: MessageRow, reactions: Reaction[], ctx: RowContext): HTMLDivElement {
  const el = h("div", "tw-cb-reactions");
  for (const r of reactions) {
    const label = `${r.emoji} ${r.count}${r.current_user_reacted ? ", including you" : ""}`;
    const pill = h("button", "tw-cb-reaction", {
      type: "button",
      "aria-pressed": String(!!r.current_user_reacted),
      "aria-label": `${label}. ${r.current_user_reacted ? "Remove your reaction" : "React"}`,
      tabindex: "-1",
    });
    const emoji = h("span", "tw-cb-reaction-emoji");
    emoji.textContent = r.emoji;
    const count = h("span", "tw-cb-reaction-count");
    count.textContent = String(r.count);
    pill.append(emoji, count);
    pill.addEventListener("click", (e) => {
      e.stopPropagation();
      ctx.act(row, r.current_user_reacted ? "unreact" : "react", r.emoji);
    });
    const who = () => ctx.reactors(row, r.emoji, pill);
    pill.addEventListener("pointerenter", who);
    pill.addEventListener("focus", who);
    row.tools.push(pill);
    el.append(pill);
  }
  return el;
}

/** Fill `row` for message `m` (rebuilds the row's body). */
export function fill(row: MessageRow, m: Message, ctx: RowContext): void {
  const hadToolbar = row.toolbar !== null;
  row.msg = m;
  row.files = [];
  row.tools = [];
  row.toolbar = null;
  const me = ctx.me();
  const system = m.type === "SystemMessage" || !m.sender;
  row.mine = !system && m.sender?.id === me;
  row.el.classList.toggle("tw-cb-msg--mine", row.mine);
  row.el.classList.toggle("tw-cb-msg--theirs", !row.mine && !system);
  row.el.classList.toggle("tw-cb-msg--system", system);
  const who = system ? "" : row.mine ? "You" : nameOf(m.sender);
  const text = (m.plaintext || "").replace(/\s+/g, " ").trim();
  row.el.setAttribute("aria-label", `${who ? `${who}, ` : ""}${fullTime(m.created_at)}: ${text.slice(0, 200)}`);

  if (system) {
    const note = h("div", "tw-cb-system", { dir: "auto" });
    const blocks = Array.isArray(m.content) ? m.content : [];
    if (blocks.length) note.append(content(row, blocks, ctx).el);
    else note.textContent = text;
    row.body.replaceChildren(note);
    row.ticks = null;
    if (row.tabbable) setToolsTabbable(row, true);
    return;
  }

  const stack = h("div", "tw-cb-stack tw-cb-stack--tools");
  const name = h("div", "tw-cb-name", { dir: "auto" });
  name.textContent = nameOf(m.sender);
  if (m.sender?.role && m.sender.role !== "default") name.dataset.role = m.sender.role;
  const bubble = h("div", "tw-cb-bubble");
  if (m.referenced_message_id) {
    const q = m.referenced_message;
    const quote = h("button", "tw-cb-quote", { type: "button", tabindex: "-1" });
    const qn = h("span", "tw-cb-quote-name", { dir: "auto" });
    const qt = h("span", "tw-cb-quote-text", { dir: "auto" });
    if (q) {
      qn.textContent = q.sender?.id === me ? "You" : nameOf(q.sender);
      qt.textContent = quoteText(q);
      quote.setAttribute("aria-label", `Reply to ${qn.textContent}: ${qt.textContent.slice(0, 120)}. Show it`);
      quote.addEventListener("click", (e) => {
        e.stopPropagation();
        ctx.act(row, "quote", q.id);
      });
      row.tools.push(quote);
    } else {
      qt.textContent = "Deleted message";
      quote.disabled = true;
      quote.classList.add("tw-cb-quote--gone");
    }
    quote.append(qn, qt);
    bubble.append(quote);
  }
  const body = content(row, Array.isArray(m.content) ? m.content : [], ctx);
  bubble.classList.toggle("tw-cb-bubble--media", body.media && !m.referenced_message_id);
  bubble.append(body.el);

  const meta = h("span", "tw-cb-meta");
  const time = h("time", "tw-cb-time", { datetime: new Date(m.created_at).toISOString() });
  time.textContent = clock(m.created_at);
  time.title = fullTime(m.created_at);
  if (m.edited_at) {
    const edited = h("span", "tw-cb-edited");
    edited.textContent = "edited";
    edited.title = `Edited ${fullTime(m.edited_at)}`;
    meta.append(edited);
  }
  meta.append(time);
  row.ticks = null;
  if (row.mine) {
    row.ticks = h("span", "tw-cb-ticks", { role: "img" });
    meta.append(row.ticks);
    row.readShown = false;
    showRead(row, ctx.everyoneReadUntil(), true);
  }
  bubble.append(meta);
  stack.append(name, bubble);
  const reactions = Array.isArray(m.reactions) ? m.reactions.filter((r) => r && r.count > 0) : [];
  if (reactions.length) stack.append(reactionPills(row, reactions, ctx));

  row.body.replaceChildren(...(row.mine ? [] : [avatar(m.sender)]), stack);
  // a refill under the pointer or the keyboard keeps the tools in place (pointerenter will not come again)
  if (hadToolbar) showTools(row, ctx);
  if (row.tabbable) setToolsTabbable(row, true);
}

/** Build the row's react/reply/edit/delete buttons (hovered or current row); once, until dropped. */
export function showTools(row: MessageRow, ctx: RowContext): void {
  const m = row.msg;
  const stack = row.body.querySelector(".tw-cb-stack--tools");
  if (row.toolbar || !m || !stack) return; // system messages have no tools
  const tools = h("div", "tw-cb-tools");
  tools.append(
    toolButton("smile", "React", () => ctx.act(row, "picker")),
    toolButton("reply", "Reply", () => ctx.act(row, "reply")),
  );
  if (row.mine) {
    const del = toolButton("trash", "Delete", () => ctx.act(row, "delete"));
    del.classList.add("tw-cb-tool--danger");
    tools.append(
      toolButton("edit", "Edit", () => ctx.act(row, "edit")),
      del,
    );
  }
  for (const b of tools.children) (b as HTMLButtonElement).tabIndex = row.tabbable ? 0 : -1;
  stack.append(tools); // after the pills and the quote: the Tab order is unchanged
  row.toolbar = tools;
}

/** Remove the row's tools (the pointer left a row that is not the keyboard's current one). */
export function dropTools(row: MessageRow): void {
  row.toolbar?.remove();
  row.toolbar = null;
}

/** Show "sent" or "read by everyone" on one of your messages; answers whether it is read. */
export function showRead(row: MessageRow, everyoneReadUntil: number, force = false): boolean {
  if (!row.ticks || !row.msg) return false;
  const read = row.msg.created_at <= everyoneReadUntil;
  if (read === row.readShown && !force) return read;
  row.readShown = read;
  row.ticks.replaceChildren(icon(read ? "checks" : "check", "tw-cb-svg"));
  row.ticks.classList.toggle("tw-cb-ticks--read", read);
  row.ticks.setAttribute("aria-label", read ? "Read" : "Sent");
  row.ticks.title = read ? "Read" : "Sent";
  return read;
}

/** Make the row's buttons reachable with Tab (the current row) or not. */
export function setToolsTabbable(row: MessageRow, on: boolean): void {
  row.tabbable = on;
  for (const b of row.tools) b.tabIndex = on ? 0 : -1;
  if (row.toolbar) for (const b of row.toolbar.children) (b as HTMLButtonElement).tabIndex = on ? 0 : -1;
}
