/**
 * The reaction picker and the two-step delete of a Chatbox message row (the row's other tools call
 * straight into the thread). Keyboard: the picker is a toolbar (←/→ move, Escape closes and goes
 * back to the React button); delete asks for a second press within a few seconds.
 */
import { type MessageRow, QUICK_REACTIONS } from "./chatbox_message";
import { h } from "./dom";

export class RowTools {
  private picker: HTMLDivElement | null = null;
  private confirmTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly remove: (id: string) => void;
  private readonly say: (text: string) => void;

  constructor(remove: (id: string) => void, say: (text: string) => void) {
    this.remove = remove;
    this.say = say;
  }

  dispose(): void {
    clearTimeout(this.confirmTimer);
    this.closePicker();
  }

  confirmDelete(row: MessageRow): void {
    const btn = row.el.querySelector<HTMLButtonElement>(".tw-cb-tool--trash");
    if (!btn || !row.msg) return;
    if (btn.dataset.confirm === "1") {
      clearTimeout(this.confirmTimer);
      this.remove(row.msg.id);
      return;
    }
    btn.dataset.confirm = "1";
    btn.setAttribute("aria-label", "Delete this message? Press again to confirm");
    btn.title = "Press again to delete";
    btn.classList.add("tw-cb-tool--confirm");
    this.say("Press delete again to confirm");
    clearTimeout(this.confirmTimer);
    this.confirmTimer = setTimeout(() => {
      btn.dataset.confirm = "";
      btn.classList.remove("tw-cb-tool--confirm");
      btn.setAttribute("aria-label", "Delete");
      btn.title = "Delete";
    }, 4000);
  }

  openPicker(row: MessageRow, react: (emoji: string, on: boolean) => void): void {
    this.closePicker();
    const m = row.msg;
    if (!m) return;
    const picker = h("div", "tw-cb-picker", { role: "toolbar", "aria-label": "Reactions" });
    const mine = new Set((m.reactions ?? []).filter((r) => r.current_user_reacted).map((r) => r.emoji));
    for (const emoji of QUICK_REACTIONS) {
      const b = h("button", "tw-cb-picker-emoji", { type: "button", "aria-label": `React with ${emoji}` });
      b.textContent = emoji;
      b.setAttribute("aria-pressed", String(mine.has(emoji)));
      b.addEventListener("click", (e) => {
        e.stopPropagation();
        react(emoji, !mine.has(emoji));
      });
      picker.append(b);
    }
    picker.addEventListener("keydown", (e) => {
      const buttons = [...picker.querySelectorAll("button")];
      const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
      if (e.key === "Escape") {
        e.preventDefault();
        this.closePicker();
        row.el.querySelector<HTMLButtonElement>(".tw-cb-tool--smile")?.focus();
      } else if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
        e.preventDefault();
        buttons[(i + (e.key === "ArrowRight" ? 1 : -1) + buttons.length) % buttons.length]?.focus();
      }
      e.stopPropagation();
    });
    picker.addEventListener("focusout", (e) => {
      if (!picker.contains(e.relatedTarget as Node)) this.closePicker();
    });
    row.el.querySelector(".tw-cb-tools")?.append(picker);
    row.el.classList.add("tw-cb-msg--picking");
    this.picker = picker;
    picker.querySelector("button")?.focus();
  }

  closePicker(): void {
    const picker = this.picker;
    if (!picker) return;
    this.picker = null; // first: removing the focused picker fires focusout, which closes it again
    picker.closest(".tw-cb-msg")?.classList.remove("tw-cb-msg--picking");
    picker.remove();
  }
}
