/**
 * Front end of `talkwidgets.Chatbox` (anywidget ESM module): header, thread, composer.
 *
 * Messages (docs/widget-sync-protocol.md, "Chatbox"; Python side: talkwidgets/widgets/chatbox.py):
 *   kernel -> browser  numbered patches of `messages` (patch_client.ts), and
 *                      {op: "sent", nonce, id} | {op: "send_failed", nonce, reason}
 *                      {op: "files", urls: {message_id: [url | null, ...]}}
 *                      {op: "reactors", id, emoji, names} | {op: "scroll_to", id}
 *                      {op: "failed", what, id, reason}
 *   browser -> kernel  ready/resync (patch_client.ts), send, draft, typing, read, load_more,
 *                      react, edit, delete, files, reactors, find, action, attach
 *
 * Attachments go through the composed FileDrop's model (`_attachments`, an anywidget reference):
 * an Uploader on its kernel link does the transfer and the FileDrop's checks, and `attach` tells
 * the Chatbox which conversation (and reply) each upload belongs to.
 */
import "./chatbox.css";
import type { AnyModel, Initialize, Render } from "@anywidget/types";
import { Composer } from "./chatbox_composer";
import { ChatHeader } from "./chatbox_header";
import { Thread } from "./chatbox_thread";
import type { ChatboxModel, Message } from "./chatbox_types";
import { UploadTray } from "./chatbox_uploads";
import { h, widgetRoot } from "./dom";
import { acquireLink, type KernelLink, offlineText, releaseLink } from "./kernel_link";
import { attachPatchClient, listOf, type PatchedTraits } from "./patch_client";
import { Disposer } from "./widget_model";

type Model = AnyModel<ChatboxModel>;

/** The patched list of this widget (kernel half: PatchedListSync with LIST_TRAITS). */
export const MESSAGE_TRAITS: PatchedTraits = { list: "messages", seq: "_seq" };

let viewCounter = 0;

interface ChildHost {
  getModel?(ref: string): Promise<unknown>;
}

export class ChatboxView {
  readonly root: HTMLDivElement;
  private readonly model: Model;
  private readonly link: KernelLink;
  private readonly uid = `tw-cb-${++viewCounter}`;
  private readonly header: ChatHeader;
  private readonly banner: HTMLDivElement;
  private readonly empty: HTMLDivElement;
  private readonly thread: Thread;
  private readonly composer: Composer;
  private readonly tray: UploadTray;
  private readonly listeners = new Disposer();
  private nonce = 0;
  private shownConversation: string | null = null;

  constructor(model: Model, el: HTMLElement, host: ChildHost | undefined) {
    this.model = model;
    this.link = acquireLink(model);
    this.root = widgetRoot("tw-cb");
    this.header = new ChatHeader();
    this.banner = h("div", "tw-cb-banner", { role: "alert" });
    this.banner.hidden = true;
    this.empty = h("div", "tw-cb-empty");
    const send = (msg: Record<string, unknown>) => this.model.send(msg);
    this.thread = new Thread({
      send,
      me: () => this.me(),
      isGroup: () => (Number(this.model.get("conversation")?.participant_count) || 0) > 2,
      everyoneReadUntil: () => Number(this.model.get("conversation")?.everyone_read_until) || 0,
      canLoadMore: () =>
        this.model.get("state") === "active" && !this.model.get("loaded_all") && !this.model.get("loading_more"),
      live: () => this.live(),
      actions: () => (this.model.get("actions") ? (id, action, params) => this.action(id, action, params) : null),
      reply: (m) => this.composer.reply(m),
      edit: (m) => this.composer.edit(m),
    });
    this.composer = new Composer(
      {
        send: (text, replyTo) => this.sendText(text, replyTo),
        saveEdit: (id, text) => send({ op: "edit", id, text }),
        typing: () => send({ op: "typing" }),
        draft: (text) => send({ op: "draft", text }),
        attach: (files) => this.tray.attach(files, this.composer.currentReply()),
        prepare: () => this.tray.prepare(),
        record: () => void this.tray.toggleRecording(this.composer.currentReply()),
        me: () => this.me(),
        live: () => this.live(),
        toThread: () => this.thread.focusNewest(),
      },
      this.uid,
    );
    this.tray = new UploadTray(this.composer, model, host, send, () => this.live());
    this.root.append(this.header.el, this.banner, this.thread.el, this.empty, this.composer.el);
    el.appendChild(this.root);
    this.root.setAttribute("aria-label", "Chat");
    this.root.setAttribute("role", "region");

    // Files dropped anywhere on the chat are attachments (JupyterLab would otherwise open them).
    this.root.addEventListener("dragenter", (e) => {
      if (e.dataTransfer?.types.includes("Files")) this.tray.prepare();
    });
    this.root.addEventListener("dragover", (e) => {
      if (e.dataTransfer?.types.includes("Files")) {
        e.preventDefault();
        e.stopPropagation();
      }
    });
    this.root.addEventListener("drop", (e) => {
      const files = Array.from(e.dataTransfer?.files ?? []);
      if (!files.length) return;
      e.preventDefault();
      e.stopPropagation();
      this.tray.attach(files, this.composer.currentReply());
    });

    this.listen("change:messages", () => this.syncMessages());
    this.listen("change:conversation", () => this.syncHeader());
    this.listen("change:participants", () => this.syncHeader());
    for (const key of ["current_user", "actions"]) {
      this.listen(`change:${key}`, () => this.thread.refill(listOf<Message>(model, MESSAGE_TRAITS.list)));
    }
    this.listen("change:typing", () => this.thread.setTyping(this.model.get("typing")));
    this.listen("change:draft", () => this.composer.takeDraft(this.model.get("draft") || ""));
    for (const key of ["state", "error", "connection", "loaded_all", "loading_more", "conversation_id"]) {
      this.listen(`change:${key}`, () => this.syncStatus());
    }
    this.listeners.listen(model, "msg:custom", (msg) => this.onKernel(msg));
    this.listeners.add(this.link.subscribe(() => this.syncStatus()));
    this.composer.takeDraft(model.get("draft") || "");
    this.syncHeader();
    this.syncMessages();
    this.thread.setTyping(model.get("typing"));
    this.syncStatus();
  }

  destroy(): void {
    this.listeners.dispose();
    this.thread.dispose();
    this.composer.dispose();
    this.tray.dispose();
    releaseLink(this.model);
    this.root.remove();
  }

  private listen(ev: string, fn: () => void): void {
    this.listeners.listen(this.model, ev, fn);
  }

  private me(): string {
    return this.model.get("current_user")?.id || "";
  }

  private live(): boolean {
    return this.link.state().live;
  }

  // --- kernel -> view ----------------------------------------------------------------------------

  private syncMessages(): void {
    const conversation = this.model.get("conversation_id") ?? null;
    const reset = conversation !== this.shownConversation;
    this.shownConversation = conversation;
    this.thread.show(listOf<Message>(this.model, MESSAGE_TRAITS.list), reset);
  }

  private syncHeader(): void {
    const c = this.model.get("conversation") || {};
    this.header.show(c, this.model.get("participants") || [], this.me());
    this.thread.syncRead();
    const readOnly = c.access === "Read";
    this.composer.setReadOnly(readOnly, "You can read this conversation but not write in it");
  }

  private syncStatus(): void {
    const state = this.model.get("state") || "idle";
    const link = this.link.state();
    // The root's attributes select rules for every row (`[data-link] .tw-cb-tools`), and Chromium
    // schedules a restyle even when a write leaves the value as it was (traces show it for
    // `hidden`): write them only when they change.
    const linkName = link.live ? "live" : "offline";
    if (this.root.dataset.state !== state) this.root.dataset.state = state;
    if (this.root.dataset.link !== linkName) this.root.dataset.link = linkName;
    const offline = offlineText(link);
    const error = this.model.get("error") || "";
    const text =
      offline ||
      (state === "error" ? error || "Something went wrong." : state === "unsubscribed" ? "Live updates stopped." : "");
    if (this.banner.textContent !== text) this.banner.textContent = text;
    this.banner.hidden = !text;
    const emptyText =
      state === "idle"
        ? "Select a conversation to start chatting."
        : state === "missing"
          ? "This conversation does not exist, or you are not in it."
          : state === "pending"
            ? "Loading messages…"
            : state === "active" && !this.model.get("messages")?.length && this.model.get("loaded_all")
              ? "No messages yet. Say hello!"
              : "";
    this.empty.textContent = emptyText;
    this.empty.hidden = !emptyText;
    this.empty.dataset.kind = state;
    const usable = state === "active" || state === "pending";
    const threadHidden = state === "idle" || state === "missing";
    if (this.composer.el.hidden !== !usable) this.composer.el.hidden = !usable;
    if (this.thread.el.hidden !== threadHidden) this.thread.el.hidden = threadHidden;
    this.header.setConnection(link.live ? this.model.get("connection") || "offline" : "kernel-offline");
    this.header.el.hidden = state === "idle";
    this.composer.syncButtons();
    if (this.model.get("loading_more")) this.thread.setStatus("Loading earlier messages…");
    else this.thread.setStatus(this.model.get("loaded_all") && state === "active" ? "" : "");
    this.thread.maybeLoadMore();
  }

  private onKernel(msg: unknown): void {
    if (typeof msg !== "object" || msg === null) return;
    const m = msg as Record<string, unknown>;
    const str = (k: string) => (typeof m[k] === "string" ? (m[k] as string) : "");
    switch (m.op) {
      case "sent":
        this.thread.sent(str("nonce"), str("id"));
        break;
      case "send_failed":
        this.thread.failed(str("nonce"), str("reason") || "the kernel refused it", (text, replyTo) =>
          this.sendText(text, replyTo),
        );
        break;
      case "files":
        this.thread.urls.take(m.urls);
        break;
      case "reactors":
        this.thread.takeReactors(str("id"), str("emoji"), Array.isArray(m.names) ? m.names.map(String) : []);
        break;
      case "scroll_to":
        this.thread.scrollTo(str("id"));
        break;
      case "failed":
        this.composer.setNotice(`Could not ${str("what") || "do that"}: ${str("reason")}`);
        setTimeout(() => this.composer.setNotice(""), 6000);
        break;
    }
  }

  // --- view -> kernel ----------------------------------------------------------------------------

  private sendText(text: string, replyTo: string | null): void {
    this.link.check();
    if (!this.live()) return;
    const nonce = `${this.uid}-${++this.nonce}`;
    this.thread.addPending(nonce, text, replyTo);
    this.model.send({ op: "send", text, reply_to: replyTo, nonce });
  }

  private action(id: string, action: string, params: Record<string, string>): void {
    this.link.check();
    if (this.live()) this.model.send({ op: "action", action, params, id });
  }
}

const initialize: Initialize<ChatboxModel> = ({ model }) => attachPatchClient(model, MESSAGE_TRAITS);

const render: Render<ChatboxModel> = ({ model, el, host }) => {
  const view = new ChatboxView(model, el, host as ChildHost | undefined);
  return () => view.destroy();
};

// Only a default export: anywidget treats a named `render` export as the deprecated module format.
export default { initialize, render };
