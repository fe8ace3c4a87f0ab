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
