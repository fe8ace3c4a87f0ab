/**
 * DOM building blocks shared by the widget views. Data reaches the DOM as text only
 * (`textContent`, attributes): nothing here, or anywhere in src/, parses a string as HTML
 * (lint/no_html_sinks.grit enforces it).
 */

/** `<tag class="className" attr="value"...>`: the element factory of every view. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  attrs: Record<string, string> = {},
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  el.className = className;
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

/** The root element of a widget view: themed (`tw-theme`, theme.css) and kept from notebook shortcuts. */
export function widgetRoot(className: string): HTMLDivElement {
  const root = h("div", `tw-theme ${className}`, {
    "data-lm-suppress-shortcuts": "true",
    "data-p-suppress-shortcuts": "true",
  });
  root.classList.add("lm-suppress-shortcuts");
  // Keep notebook shortcuts (a, b, dd, arrows, Enter...) away while the widget has focus.
  root.addEventListener("keydown", (e) => e.stopPropagation());
  return root;
}

/** A polite live region: `say` announces a short text to screen readers (the last few stay in the DOM). */
export class LiveRegion {
  readonly el: HTMLDivElement;
  private readonly keep: number;

  constructor(className: string, keep = 5) {
    this.el = h("div", className, { "aria-live": "polite", "aria-atomic": "false" });
    this.keep = keep;
  }

  say(text: string): void {
    const p = document.createElement("div");
    p.textContent = text;
    this.el.append(p);
    while (this.el.childElementCount > this.keep) this.el.firstElementChild?.remove();
  }
}
