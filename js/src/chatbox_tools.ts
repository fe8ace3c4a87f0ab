/**
 * The reaction picker and the two-step delete of a Chatbox message row (the row's other tools call
 * straight into the thread), and which rows have their tools built at all. Keyboard: the picker is
 * a toolbar (←/→ move, Escape closes and goes back to the React button); delete asks for a second
 * press within a few seconds.
 */
import {
  dropTools,
  type MessageRow,
  QUICK_REACTIONS,
  type RowContext,
  setToolsTabbable,
  showTools,
} from "./chatbox_message";
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

/**
 * Rows have their tools built only while they may be used: under the pointer, the keyboard's
 * current row (Tab goes from it to them; any focus inside a row makes it current), the picker
 * open. A loaded thread's other rows carry none (chatbox_message.ts says why).
 */
export class ToolsOnDemand {
  private hovered: MessageRow | null = null;
  private readonly ctx: RowContext;
  private readonly rowOf: (el: Element) => MessageRow | null;
  private readonly current: () => MessageRow | null;

  constructor(
    rowsEl: HTMLElement,
    ctx: RowContext,
    rowOf: (el: Element) => MessageRow | null,
    current: () => MessageRow | null,
  ) {
    this.ctx = ctx;
    this.rowOf = rowOf;
    this.current = current;
    // pointerenter/leave do not bubble: caught on the way down (capture), kept when they are a row's
    rowsEl.addEventListener("pointerenter", (e) => this.pointer(e.target as Element, true), true);
    rowsEl.addEventListener("pointerleave", (e) => this.pointer(e.target as Element, false), true);
  }

  private pointer(target: Element, enter: boolean): void {
    if (!target.classList?.contains("tw-cb-msg")) return;
    const row = this.rowOf(target);
    if (!row) return;
    if (enter) {
      this.hovered = row;
      showTools(row, this.ctx);
      return;
    }
    if (this.hovered === row) this.hovered = null;
    this.release(row);
  }

  /** The focus came into `row` (now current): its tools built and, with its buttons, in the Tab order. */
  focused(row: MessageRow, previous: MessageRow | null): void {
    if (previous) {
      setToolsTabbable(previous, false);
      previous.el.tabIndex = -1;
      this.release(previous);
    }
    row.el.tabIndex = 0;
    showTools(row, this.ctx);
    setToolsTabbable(row, true);
  }

  /** Drop the row's tools unless it is still in use. */
  release(row: MessageRow): void {
    if (row === this.current() || row === this.hovered || row.el.classList.contains("tw-cb-msg--picking")) return;
    dropTools(row);
  }

  /** The row left the thread. */
  forget(row: MessageRow): void {
    if (this.hovered === row) this.hovered = null;
  }
}
