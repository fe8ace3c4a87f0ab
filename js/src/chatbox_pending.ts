/**
 * Messages the composer sent that the thread does not show yet: each appears at once, greyed, and
 * leaves when the kernel's copy (with the id the kernel answered) is in the thread; a refused one
 * stays, says why, and offers Retry or Discard.
 */
import { h } from "./dom";

interface Pending {
  el: HTMLDivElement;
  text: string;
  replyTo: string | null;
  id: string | null;
}

export class PendingMessages {
  readonly el: HTMLDivElement = h("div", "tw-cb-rows tw-cb-pending");
  private readonly items = new Map<string, Pending>();

  add(nonce: string, text: string, replyTo: string | null): void {
    const el = h("div", "tw-cb-msg tw-cb-msg--mine tw-cb-msg--first tw-cb-msg--last tw-cb-msg--pending");
    const line = h("div", "tw-cb-line");
    const stack = h("div", "tw-cb-stack");
    const bubble = h("div", "tw-cb-bubble");
    const t = h("div", "tw-cb-text", { dir: "auto" });
    t.textContent = text;
    const meta = h("span", "tw-cb-meta");
    meta.textContent = "Sending…";
    bubble.append(t, meta);
    stack.append(bubble);
    line.append(stack);
    el.append(line);
    this.el.append(el);
    this.items.set(nonce, { el, text, replyTo, id: null });
  }

  /** The kernel sent it as message `id`; it leaves once `shown(id)`. */
  sent(nonce: string, id: string, shown: (id: string) => boolean): void {
    const p = this.items.get(nonce);
    if (!p) return;
    p.id = id;
    this.arrived(shown);
  }

  /** Drop the ones whose message the thread now shows. */
  arrived(shown: (id: string) => boolean): void {
    for (const [nonce, p] of this.items) {
      if (p.id && shown(p.id)) {
        p.el.remove();
        this.items.delete(nonce);
      }
    }
  }

  failed(nonce: string, reason: string, retry: (text: string, replyTo: string | null) => void): void {
    const p = this.items.get(nonce);
    if (!p) return;
    p.el.classList.add("tw-cb-msg--failed");
    const note = h("span", "tw-cb-failed", { role: "alert" });
    note.textContent = `Not sent: ${reason}`;
    const again = h("button", "tw-cb-linkbutton", { type: "button" });
    again.textContent = "Retry";
    again.addEventListener("click", () => {
      this.drop(nonce);
      retry(p.text, p.replyTo);
    });
    const discard = h("button", "tw-cb-linkbutton", { type: "button" });
    discard.textContent = "Discard";
    discard.addEventListener("click", () => this.drop(nonce));
    p.el.querySelector(".tw-cb-meta")?.replaceChildren(note, again, discard);
  }

  private drop(nonce: string): void {
    this.items.get(nonce)?.el.remove();
    this.items.delete(nonce);
  }
}
