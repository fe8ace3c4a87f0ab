/**
 * Who reacted to a message, shown as a reaction pill's tooltip: asked of the kernel once per
 * message, emoji and count (`{op: "reactors"}`), and kept, so hovering again costs no message.
 */
import type { MessageRow } from "./chatbox_message";

export class ReactorNames {
  private readonly names = new Map<string, string>();
  private readonly send: (msg: Record<string, unknown>) => void;

  constructor(send: (msg: Record<string, unknown>) => void) {
    this.send = send;
  }

  /** The pointer or focus is on `row`'s `emoji` pill: show the names known, else ask for them. */
  request(row: MessageRow, emoji: string, el: HTMLElement): void {
    const r = row.msg?.reactions?.find((x) => x.emoji === emoji);
    if (!row.msg || !r) return;
    const key = keyOf(row.msg.id, emoji, r.count);
    const known = this.names.get(key);
    if (known !== undefined) {
      el.title = known;
      return;
    }
    this.names.set(key, "");
    this.send({ op: "reactors", id: row.msg.id, emoji });
  }

  /** The kernel's answer to `reactors`, for the row of message `id` (if it is still shown). */
  take(row: MessageRow | undefined, id: string, emoji: string, names: string[]): void {
    const r = row?.msg?.reactions?.find((x) => x.emoji === emoji);
    if (!row || !r) return;
    const more = r.count - names.length;
    const text = names.length ? `${names.join(", ")}${more > 0 ? ` and ${more} more` : ""}` : "";
    this.names.set(keyOf(id, emoji, r.count), text);
    for (const pill of row.el.querySelectorAll<HTMLElement>(".tw-cb-reaction")) {
      if (pill.querySelector(".tw-cb-reaction-emoji")?.textContent === emoji)
        pill.title = `${text} reacted with ${emoji}`;
    }
  }
}

function keyOf(id: string, emoji: string, count: number): string {
  return `${id}\u0000${emoji}\u0000${count}`;
}
