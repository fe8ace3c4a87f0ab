/**
 * The Chatbox header: the conversation's photo (or the other person's, or initials) with an online
 * dot in a one-to-one chat, its title (subject, else the participants' names), who is in it and
 * who is online, and the live-update dot.
 */
import { initials, nameOf, peopleList, titleOf } from "./chatbox_format";
import type { ConversationHeader, Participant } from "./chatbox_types";
import { h } from "./dom";
import { hueOf, safeUrl } from "./format";

const CONNECTION_LABELS: Record<string, string> = {
  connected: "Live",
  reconnecting: "Reconnecting…",
  offline: "Offline",
  "kernel-offline": "Kernel offline",
};

export class ChatHeader {
  readonly el: HTMLDivElement;
  private readonly avatar: HTMLDivElement;
  private readonly letters: HTMLSpanElement;
  private readonly dot: HTMLSpanElement;
  private readonly title: HTMLDivElement;
  private readonly sub: HTMLDivElement;
  private readonly conn: HTMLSpanElement;
  private img: HTMLImageElement | null = null;

  constructor() {
    this.el = h("div", "tw-cb-header");
    this.avatar = h("div", "tw-cb-avatar tw-cb-avatar--header", { "aria-hidden": "true" });
    this.letters = h("span", "tw-cb-initials");
    this.dot = h("span", "tw-cb-online");
    this.avatar.append(this.letters);
    const wrap = h("div", "tw-cb-hava");
    wrap.append(this.avatar, this.dot);
    const text = h("div", "tw-cb-htext");
    this.title = h("div", "tw-cb-title", { role: "heading", "aria-level": "2", dir: "auto" });
    this.sub = h("div", "tw-cb-sub", { dir: "auto" });
    text.append(this.title, this.sub);
    this.conn = h("span", "tw-cb-conn", { role: "img" });
    this.el.append(wrap, text, this.conn);
  }

  show(c: ConversationHeader, participants: Participant[], me: string): void {
    const others = participants.filter((p) => p && p.id !== me);
    const total = Math.max(Number(c.participant_count) || 0, participants.length);
    const title = titleOf(c, others);
    this.title.textContent = title;
    this.title.title = title;
    const oneToOne = total === 2 && others.length === 1;
    const other = oneToOne ? others[0]! : null;
    this.letters.textContent = initials(other ? nameOf(other) : title || "?");
    this.avatar.style.setProperty("--tw-cb-hue", String(hueOf(c.id || title)));
    const url = safeUrl(c.photo_url) ?? (other ? safeUrl(other.photo_url) : null);
    if (url) {
      if (!this.img) {
        this.img = h("img", "tw-cb-photo", { alt: "", referrerpolicy: "no-referrer" });
        this.img.addEventListener("error", () => this.img?.classList.add("tw-cb-photo--broken"));
        this.avatar.append(this.img);
      }
      if (this.img.getAttribute("src") !== url) {
        this.img.classList.remove("tw-cb-photo--broken");
        this.img.src = url;
      }
    } else if (this.img) {
      this.img.remove();
      this.img = null;
    }
    const online = others.filter((p) => p.online === true);
    this.dot.hidden = !other || other.online == null;
    this.dot.classList.toggle("tw-cb-online--on", !!other?.online);
    this.dot.title = other?.online ? "Online" : "Offline";
    let sub: string;
    if (other) sub = other.online == null ? "" : other.online ? "Online" : "Offline";
    else if (!others.length) sub = total > 1 ? `${total} participants` : "Only you";
    else {
      const names = typeof c.subject === "string" && c.subject.trim() ? `${peopleList(others, total - 1)}, you` : "";
      sub = [names || `${total} participants`, online.length ? `${online.length} online` : ""]
        .filter(Boolean)
        .join(" · ");
    }
    this.sub.textContent = sub;
    this.sub.title = sub;
    this.sub.hidden = !sub;
  }

  setConnection(state: string): void {
    const label = CONNECTION_LABELS[state] ?? state;
    this.conn.className = `tw-cb-conn tw-cb-conn--${state}`;
    this.conn.title = label;
    this.conn.setAttribute("aria-label", `Connection: ${label}`);
  }
}
