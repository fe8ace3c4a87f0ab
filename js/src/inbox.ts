/**
 * Front end of `talkwidgets.Inbox` (anywidget ESM module): the ConversationList and the Chatbox it
 * holds (`_list`, `_chatbox`: anywidget references) rendered side by side by anywidget's host, each
 * with its own view, sync and keyboard; stacked when the Inbox is narrow (a container query, so it
 * follows the cell's width, not the window's). The selection is tied together in the kernel
 * (talkwidgets/widgets/inbox.py), so this module only lays out.
 */
import "./inbox.css";
import type { AnyModel, Host, Render } from "@anywidget/types";
import { h, widgetRoot } from "./dom";

export interface InboxModel {
  selected_id: string | null;
  list_width: number;
  _list: string | null;
  _chatbox: string | null;
}

type Model = AnyModel<InboxModel>;

async function mount(host: Host | undefined, ref: unknown, el: HTMLElement, signal: AbortSignal): Promise<void> {
  if (!host?.getWidget) throw new Error("this Inbox needs anywidget 0.10 or later (widget composition)");
  if (typeof ref !== "string" || !ref) throw new Error("the Inbox has no child widget to show");
  const child = await host.getWidget(ref);
  await child.render({ el, signal });
}

export function renderInbox(model: Model, el: HTMLElement, host: Host | undefined, signal: AbortSignal): () => void {
  const outer = h("div", "tw-ib-outer");
  const root = widgetRoot("tw-ib");
  root.setAttribute("role", "group");
  root.setAttribute("aria-label", "Inbox");
  const list = h("div", "tw-ib-pane tw-ib-list");
  const chat = h("div", "tw-ib-pane tw-ib-chat");
  const problem = h("div", "tw-ib-problem", { role: "alert" });
  problem.hidden = true;
  root.append(problem, list, chat);
  outer.append(root);
  el.appendChild(outer);
  const width = () => root.style.setProperty("--tw-ib-list-width", `${Number(model.get("list_width")) || 300}px`);
  width();
  model.on("change:list_width", width);
  const fail = (err: unknown) => {
    problem.textContent = `The Inbox cannot show its parts: ${err instanceof Error ? err.message : String(err)}`;
    problem.hidden = false;
  };
  void mount(host, model.get("_list"), list, signal).catch(fail);
  void mount(host, model.get("_chatbox"), chat, signal).catch(fail);
  return () => {
    model.off("change:list_width", width);
    outer.remove();
  };
}

const render: Render<InboxModel> = ({ model, el, host, signal }) => renderInbox(model, el, host, signal);

// Only a default export: anywidget treats a named `render` export as the deprecated module format.
export default { render };
