/**
 * The Chatbox's composer: a multi-line text box (Enter sends, Shift+Enter is a new line), the
 * reply and edit bars, the attach and record buttons and the uploads in flight. It tells the kernel
 * that the person is typing (at most every TYPING_EVERY_MS) and saves the draft a moment after they
 * stop; it has no kernel protocol of its own (the Chatbox sends what it asks).
 */
import { nameOf, quoteText } from "./chatbox_format";
import type { Message } from "./chatbox_types";
import { h } from "./dom";
import { icon } from "./icons";

/** At most one "typing" message this often while the person types (one lasts 10 s in TalkJS). */
export const TYPING_EVERY_MS = 4_000;
/** The draft is saved this long after the last keystroke. */
export const DRAFT_SAVE_MS = 600;
const MAX_ROWS_PX = 160;

export interface ComposerHost {
  send(text: string, replyTo: string | null): void;
  saveEdit(id: string, text: string): void;
  typing(): void;
  draft(text: string): void;
  attach(files: File[]): void;
  /** A file may come soon (pointer or focus on attach or record): the uploader can get ready. */
  prepare(): void;
  record(): void;
  me(): string;
  live(): boolean;
  /** Shift+Tab / ↑ on an empty box: to the thread. */
  toThread(): void;
}

export class Composer {
  readonly el: HTMLDivElement;
  readonly input: HTMLTextAreaElement;
  readonly recordButton: HTMLButtonElement;
  readonly uploads: HTMLDivElement;
  private readonly host: ComposerHost;
  private readonly bar: HTMLDivElement;
  private readonly barLabel: HTMLSpanElement;
  private readonly barText: HTMLSpanElement;
  private readonly sendButton: HTMLButtonElement;
  private readonly attachButton: HTMLButtonElement;
  private readonly fileInput: HTMLInputElement;
  private readonly notice: HTMLDivElement;
  private replyTo: Message | null = null;
  private editing: Message | null = null;
  private savedDraft = "";
  private lastTyping = 0;
  private draftTimer: ReturnType<typeof setTimeout> | undefined;
  private readOnly = false;

  constructor(host: ComposerHost, uid: string) {
    this.host = host;
    this.el = h("div", "tw-cb-composer");
    this.bar = h("div", "tw-cb-bar");
    const barIcon = h("span", "tw-cb-bar-icon");
    const barMain = h("div", "tw-cb-bar-main");
    this.barLabel = h("span", "tw-cb-bar-label");
    this.barText = h("span", "tw-cb-bar-text", { dir: "auto" });
    barMain.append(this.barLabel, this.barText);
    const barClose = h("button", "tw-cb-iconbutton tw-cb-bar-close", { type: "button", "aria-label": "Cancel" });
    barClose.append(icon("close", "tw-cb-svg"));
    barClose.addEventListener("click", () => this.cancelBar());
    this.bar.append(barIcon, barMain, barClose);
    this.bar.hidden = true;
    this.uploads = h("div", "tw-cb-uploads", { role: "list", "aria-label": "Attachments being sent" });
    this.notice = h("div", "tw-cb-notice", { role: "status" });
    this.notice.hidden = true;

    const row = h("div", "tw-cb-inputrow");
    this.attachButton = h("button", "tw-cb-iconbutton tw-cb-attach", { type: "button", "aria-label": "Attach files" });
    this.attachButton.title = "Attach files";
    this.attachButton.append(icon("paperclip", "tw-cb-svg"));
    this.fileInput = h("input", "", { type: "file", multiple: "", tabindex: "-1", "aria-hidden": "true" });
    this.fileInput.hidden = true;
    this.input = h("textarea", "tw-cb-input", {
      rows: "1",
      placeholder: "Write a message…",
      "aria-label": "Message",
      "aria-describedby": `${uid}-hint`,
      enterkeyhint: "send",
      dir: "auto",
    });
    this.recordButton = h("button", "tw-cb-iconbutton tw-cb-record", {
      type: "button",
      "aria-label": "Record a voice message",
      "aria-pressed": "false",
    });
    this.recordButton.title = "Record a voice message";
    this.recordButton.append(icon("voice", "tw-cb-svg"), icon("stop", "tw-cb-svg tw-cb-svg-stop"));
    this.sendButton = h("button", "tw-cb-send", { type: "button", "aria-label": "Send" });
    this.sendButton.title = "Send (Enter)";
    this.sendButton.append(icon("send", "tw-cb-svg"));
    const hint = h("span", "tw-cb-sr", { id: `${uid}-hint` });
    hint.textContent = "Enter sends, Shift+Enter starts a new line.";
    row.append(this.attachButton, this.fileInput, this.input, this.recordButton, this.sendButton, hint);
    this.el.append(this.bar, this.uploads, this.notice, row);

    this.input.addEventListener("keydown", (e) => this.onKey(e));
    this.input.addEventListener("input", () => this.onInput());
    this.input.addEventListener("blur", () => this.flushDraft());
    this.sendButton.addEventListener("click", () => this.submit());
    this.attachButton.addEventListener("click", () => {
      if (this.host.live()) this.fileInput.click();
    });
    this.fileInput.addEventListener("change", () => {
      const files = Array.from(this.fileInput.files ?? []);
      this.fileInput.value = "";
      if (files.length) this.host.attach(files);
    });
    this.recordButton.addEventListener("click", () => this.host.record());
    for (const button of [this.attachButton, this.recordButton]) {
      for (const ev of ["pointerenter", "focus"]) button.addEventListener(ev, () => this.host.prepare());
    }
    // Pasted or dropped files are attachments.
    this.input.addEventListener("paste", (e) => {
      const files = Array.from(e.clipboardData?.files ?? []);
      if (files.length) {
        e.preventDefault();
        this.host.attach(files);
      }
    });
    this.syncButtons();
  }

  // --- state from the kernel ---------------------------------------------------------------------

  /** The `draft` trait changed: take it unless it is what this view itself saved. */
  takeDraft(text: string): void {
    if (text === this.savedDraft || text === this.input.value || this.editing) return;
    this.savedDraft = text;
    this.input.value = text;
    this.resize();
    this.syncButtons();
  }

  setReadOnly(readOnly: boolean, why: string): void {
    this.readOnly = readOnly;
    this.input.disabled = readOnly;
    this.input.placeholder = readOnly ? why : "Write a message…";
    this.syncButtons();
  }

  setNotice(text: string): void {
    this.notice.textContent = text;
    this.notice.hidden = !text;
  }

  /** The live link changed (buttons off while the kernel is not there). */
  syncButtons(): void {
    const live = this.host.live() && !this.readOnly;
    const empty = !this.input.value.trim();
    this.sendButton.disabled = !live || empty;
    this.attachButton.disabled = !live || !!this.editing;
    this.recordButton.disabled = !live || !!this.editing;
    this.el.classList.toggle("tw-cb-composer--typing", !empty);
  }

  // --- reply and edit --------------------------------------------------------------------------

  reply(m: Message): void {
    this.editing = null;
    this.replyTo = m;
    this.showBar(
      "reply",
      m.sender?.id === this.host.me() ? "Replying to yourself" : `Replying to ${nameOf(m.sender)}`,
      m,
    );
    this.input.focus();
  }

  edit(m: Message): void {
    if (!this.editing) this.flushDraft();
    this.replyTo = null;
    this.editing = m;
    this.showBar("edit", "Editing message", m);
    this.input.value = m.plaintext || "";
    this.resize();
    this.syncButtons();
    this.input.focus();
    this.input.setSelectionRange(this.input.value.length, this.input.value.length);
  }

  private showBar(kind: "reply" | "edit", label: string, m: Message): void {
    this.bar.dataset.kind = kind;
    this.bar.querySelector(".tw-cb-bar-icon")?.replaceChildren(icon(kind === "reply" ? "reply" : "edit", "tw-cb-svg"));
    this.barLabel.textContent = label;
    this.barText.textContent = quoteText({ id: m.id, plaintext: m.plaintext, file: fileOf(m) });
    this.bar.hidden = false;
    this.syncButtons();
  }

  cancelBar(): void {
    const wasEditing = !!this.editing;
    this.replyTo = null;
    this.editing = null;
    this.bar.hidden = true;
    if (wasEditing) {
      this.input.value = this.savedDraft;
      this.resize();
    }
    this.syncButtons();
    this.input.focus();
  }

  // --- typing and sending --------------------------------------------------------------------------

  private onKey(e: KeyboardEvent): void {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault(); // also keeps Enter from running the notebook cell
      this.submit();
    } else if (e.key === "Escape" && !this.bar.hidden) {
      e.preventDefault();
      this.cancelBar();
    } else if (e.key === "ArrowUp" && !this.input.value) {
      e.preventDefault();
      this.host.toThread();
    }
  }

  private onInput(): void {
    this.resize();
    this.syncButtons();
    if (this.editing) return;
    const now = Date.now();
    if (this.input.value.trim() && now - this.lastTyping > TYPING_EVERY_MS && this.host.live()) {
      this.lastTyping = now;
      this.host.typing();
    }
    clearTimeout(this.draftTimer);
    this.draftTimer = setTimeout(() => this.flushDraft(), DRAFT_SAVE_MS);
  }

  private flushDraft(): void {
    clearTimeout(this.draftTimer);
    this.draftTimer = undefined;
    if (this.editing) return;
    const text = this.input.value;
    if (text !== this.savedDraft && this.host.live()) {
      this.savedDraft = text;
      this.host.draft(text);
    }
  }

  submit(): void {
    const text = this.input.value;
    if (!text.trim() || !this.host.live() || this.readOnly) return;
    if (this.editing) {
      this.host.saveEdit(this.editing.id, text);
      this.editing = null;
      this.bar.hidden = true;
      this.input.value = this.savedDraft;
    } else {
      this.host.send(text, this.replyTo?.id ?? null);
      this.replyTo = null;
      this.bar.hidden = true;
      this.input.value = "";
      this.savedDraft = "";
      this.lastTyping = 0;
      clearTimeout(this.draftTimer);
    }
    this.resize();
    this.syncButtons();
  }

  /** The reply target of attachments added now. */
  currentReply(): string | null {
    return this.replyTo?.id ?? null;
  }

  private resize(): void {
    this.input.style.height = "auto";
    this.input.style.height = `${Math.min(MAX_ROWS_PX, this.input.scrollHeight)}px`;
  }

  dispose(): void {
    clearTimeout(this.draftTimer);
  }
}

function fileOf(m: Message): { subtype: string | null; filename?: string | null } | null {
  const f = (m.content ?? []).find((b) => b.type === "file") as
    | { subtype: string | null; filename?: string | null }
    | undefined;
  return f ?? null;
}
