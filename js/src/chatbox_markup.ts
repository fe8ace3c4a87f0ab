/**
 * TalkJS text nodes (docs/markup.md) to DOM, with DOM APIs only: every string from the data becomes
 * a text node or an attribute value, never markup. Links get an href only for http(s), mailto and
 * tel URLs (anything else is shown as text); action buttons and links call `onAction`, or are
 * shown inert when the widget has no action handler.
 */
import { h } from "./dom";

export type ActionHandler = ((action: string, params: Record<string, string>) => void) | null;

/** Deepest nesting rendered; deeper content is shown as its text (hostile data can nest anything). */
const MAX_DEPTH = 24;

/** The URL if it is http(s), mailto or tel (case-insensitive, surrounding spaces ignored), else null. */
export function safeHref(url: unknown): string | null {
  if (typeof url !== "string") return null;
  const u = url.trim();
  if (!/^(https?:\/\/|mailto:|tel:)/i.test(u)) return null;
  // no control characters or spaces inside the URL (they hide what the link is)
  for (const ch of u) {
    const code = ch.codePointAt(0)!;
    if (code <= 0x20 || (code >= 0x7f && code <= 0x9f)) return null;
  }
  return u;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The text of a node and everything in it, iteratively (hostile data can nest without end). */
function textOf(node: unknown): string {
  let out = "";
  const stack: unknown[] = [node];
  while (stack.length) {
    const n = stack.pop();
    if (typeof n === "string") out += n;
    else if (isObj(n)) {
      if (typeof n.text === "string") out += n.text;
      else if (Array.isArray(n.children)) for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
    }
  }
  return out;
}

function params(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObj(v)) for (const [k, val] of Object.entries(v)) out[k] = String(val);
  return out;
}

/** Append the DOM for `nodes` to `parent`. */
export function renderNodes(parent: HTMLElement, nodes: unknown, onAction: ActionHandler, depth = 0): void {
  if (!Array.isArray(nodes)) return;
  for (const node of nodes) parent.append(renderNode(node, onAction, depth));
}

function renderNode(node: unknown, onAction: ActionHandler, depth: number): Node {
  if (typeof node === "string") return document.createTextNode(node);
  if (!isObj(node) || depth > MAX_DEPTH) return document.createTextNode(textOf(node));
  const children = node.children;
  const wrap = (el: HTMLElement) => {
    renderNodes(el, children, onAction, depth + 1);
    return el;
  };
  switch (node.type) {
    case "bold":
      return wrap(h("strong", ""));
    case "italic":
      return wrap(h("em", ""));
    case "strikethrough":
      return wrap(h("s", ""));
    case "codeSpan": {
      const code = h("code", "tw-cb-code");
      code.textContent = textOf(node);
      return code;
    }
    case "bulletList":
      return wrap(h("ul", "tw-cb-list"));
    case "bulletPoint":
      return wrap(h("li", ""));
    case "link":
    case "autoLink":
      return link(node, onAction, depth);
    case "mention": {
      const m = h("span", "tw-cb-mention");
      m.textContent = textOf(node);
      if (typeof node.id === "string") m.dataset.userId = node.id;
      return m;
    }
    case "customEmoji": {
      const e = h("span", "tw-cb-emoji-custom");
      e.textContent = textOf(node);
      return e;
    }
    case "actionButton":
    case "actionLink":
      return action(node, onAction, depth);
    default:
      return document.createTextNode(textOf(node));
  }
}

function link(node: Record<string, unknown>, onAction: ActionHandler, depth: number): Node {
  const href = safeHref(node.url);
  const label = h(href ? "a" : "span", href ? "tw-cb-link" : "tw-cb-link tw-cb-link--unsafe");
  if (node.type === "autoLink" || !Array.isArray(node.children)) label.textContent = textOf(node);
  else renderNodes(label, node.children, onAction, depth + 1);
  if (href && label instanceof HTMLAnchorElement) {
    label.href = href;
    label.target = "_blank";
    label.rel = "noopener noreferrer nofollow";
    label.referrerPolicy = "no-referrer";
    if (node.type === "link") label.title = href;
  }
  return label;
}

function action(node: Record<string, unknown>, onAction: ActionHandler, depth: number): Node {
  const name = typeof node.action === "string" ? node.action : "";
  const button = node.type === "actionButton";
  const el = h("button", button ? "tw-cb-action-button" : "tw-cb-action-link", { type: "button" });
  renderNodes(el, node.children, onAction, depth + 1);
  if (!el.textContent) el.textContent = name;
  el.dataset.action = name;
  if (onAction && name) {
    const p = params(node.params);
    el.addEventListener("click", (e) => {
      e.stopPropagation();
      onAction(name, p);
    });
  } else {
    el.disabled = true;
    el.title = "Actions are not handled here";
  }
  return el;
}
