/**
 * The front end's line icons (24×24, stroked with currentColor), built as SVG nodes: no markup
 * strings. Sizes, stroke width and colours come from the CSS class the caller passes.
 */

const SVG_NS = "http://www.w3.org/2000/svg";
type Shape = [string, Record<string, string>];

const ICONS = {
  upload: [
    ["path", { d: "M12 15V4M7.5 8.5 12 4l4.5 4.5" }],
    ["path", { d: "M4 15v3a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-3" }],
  ],
  image: [
    ["rect", { x: "3", y: "3", width: "18", height: "18", rx: "2.5" }],
    ["circle", { cx: "9", cy: "9", r: "1.8" }],
    ["path", { d: "m21 15-4.5-4.5L6 21" }],
  ],
  video: [
    ["rect", { x: "2.5", y: "6", width: "13.5", height: "12", rx: "2" }],
    ["path", { d: "m16 10.5 5.5-3.5v10L16 13.5z" }],
  ],
  audio: [
    ["path", { d: "M9 18V5.5l11-2V16" }],
    ["circle", { cx: "6", cy: "18", r: "3" }],
    ["circle", { cx: "17", cy: "16", r: "3" }],
  ],
  voice: [
    ["rect", { x: "9", y: "2.5", width: "6", height: "12", rx: "3" }],
    ["path", { d: "M5.5 11a6.5 6.5 0 0 0 13 0M12 17.5V21" }],
  ],
  file: [
    ["path", { d: "M14 2.5H6.5a2 2 0 0 0-2 2v15a2 2 0 0 0 2 2h11a2 2 0 0 0 2-2V8z" }],
    ["path", { d: "M14 2.5V8h5.5M8.5 13h7M8.5 17h5" }],
  ],
  close: [["path", { d: "M17 7 7 17M7 7l10 10" }]],
  check: [["path", { d: "m5 12.5 4.5 4.5L19 7.5" }]],
  alert: [
    ["circle", { cx: "12", cy: "12", r: "9.5" }],
    ["path", { d: "M12 7.5v5.5M12 16.5v.01" }],
  ],
  stop: [["rect", { x: "6.5", y: "6.5", width: "11", height: "11", rx: "2", fill: "currentColor" }]],
  // the Chatbox's
  send: [["path", { d: "M4.5 12 3 4.5l18 7.5-18 7.5L4.5 12zm0 0H12" }]],
  paperclip: [
    [
      "path",
      { d: "m20 11.5-7.8 7.8a5 5 0 0 1-7.1-7.1l8.3-8.3a3.3 3.3 0 0 1 4.7 4.7l-8.3 8.3a1.7 1.7 0 0 1-2.4-2.4l7.6-7.6" },
    ],
  ],
  reply: [["path", { d: "M9.5 6 4 11.5 9.5 17M4 11.5h10a6 6 0 0 1 6 6V19" }]],
  smile: [
    ["circle", { cx: "12", cy: "12", r: "9.5" }],
    ["path", { d: "M8 14.5s1.5 2 4 2 4-2 4-2M9 9.5v.01M15 9.5v.01" }],
  ],
  edit: [["path", { d: "M4 20h4L19 9a2.8 2.8 0 0 0-4-4L4 16zM13.5 6.5l4 4" }]],
  trash: [
    [
      "path",
      { d: "M4 7h16M10 11v6M14 11v6M5.5 7l1 12.5a1.5 1.5 0 0 0 1.5 1.5h8a1.5 1.5 0 0 0 1.5-1.5l1-12.5M9 7V4.5h6V7" },
    ],
  ],
  play: [["path", { d: "M7 4.5v15l12-7.5z", fill: "currentColor" }]],
  pause: [["path", { d: "M7 4.5h3.5v15H7zM13.5 4.5H17v15h-3.5z", fill: "currentColor" }]],
  down: [["path", { d: "M12 5v14M6 13l6 6 6-6" }]],
  checks: [["path", { d: "m2.5 12.5 4.5 4.5 9.5-9.5M11 16.5l.5.5L21 7.5" }]],
  pin: [
    ["path", { d: "M12 21s-6.5-6-6.5-11a6.5 6.5 0 0 1 13 0c0 5-6.5 11-6.5 11z" }],
    ["circle", { cx: "12", cy: "10", r: "2.3" }],
  ],
  download: [["path", { d: "M12 4v11M7.5 10.5 12 15l4.5-4.5M5 19.5h14" }]],
} satisfies Record<string, Shape[]>;

export type IconName = keyof typeof ICONS;
const NAMES: ReadonlySet<string> = new Set(Object.keys(ICONS));

export function isIconName(name: string): name is IconName {
  return NAMES.has(name);
}

/** An `<svg class="className">` icon, hidden from assistive technology (its control carries the label). */
export function icon(name: IconName, className: string): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("class", className);
  const shapes: readonly Shape[] = ICONS[name];
  for (const [tag, attrs] of shapes) {
    const el = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    svg.append(el);
  }
  return svg;
}
