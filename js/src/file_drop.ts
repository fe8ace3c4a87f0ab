/**
 * Front end of `talkwidgets.FileDrop` (anywidget ESM module): drop zone, file picker, voice-note
 * recorder, and the browser half of docs/upload-protocol.md.
 *
 * One `Uploader` per model (made in `initialize`) owns the transfers, whatever the number of views:
 *   direct path (trait `direct`):  direct_begin -> {op:"direct", url, token, fields} -> fetch POST multipart
 *                                  -> direct_done {file_token} | direct_failed -> the chunked path
 *   chunked path:                  begin -> ready {chunk_size, window} -> chunk+buffer ... (at most
 *                                  `window` unacknowledged) -> ack ... -> end -> done | failed
 *   cancel:                        stop reading/sending, abort the fetch, {op:"cancel", id}
 *
 * Nothing goes into the model state: rows come from the kernel's `rows` trait; the browser keeps
 * its own per-file progress (acknowledged bytes) and the files it refused itself (type not accepted,
 * too large) locally. Tokens only ever travel in messages and are used once, for the fetch.
 *
 * Kind and metadata are read in the browser: see `kindOf` (file_drop_core.ts) for the kind rule;
 * images give natural width/height (createImageBitmap, else <img>), videos width/height/duration
 * (<video> loadedmetadata), audio its duration; voice notes are timed while recording. A file the
 * browser cannot decode keeps its kind, with unknown (null) values.
 */
import "./file_drop.css";
import type { AnyModel, Initialize, Render } from "@anywidget/types";
import {
  ChunkWindow,
  cleanValues,
  type FileDropModel,
  formatBytes,
  formatClock,
  type KernelRow,
  type Kind,
  kindLabel,
  kindOf,
  type MediaValues,
  metaSummary,
  recordingName,
  refusal,
} from "./file_drop_core";

type Model = AnyModel<FileDropModel>;

/** No answer from the kernel for this long while it should answer (ready, ack, direct offer): give up. */
export const STALL_MS = 30_000;
/** Reading a file's width/height/duration gives up after this long (the values stay unknown). */
export const READ_TIMEOUT_MS = 8_000;
export const KERNEL_RESTARTED = "the kernel restarted";
export const KERNEL_SILENT = "the kernel did not answer for 30 s (it may have restarted)";

type Phase = "reading" | "direct" | "sending" | "uploading" | "done" | "error" | "cancelled";
const FINAL: ReadonlySet<string> = new Set(["done", "error", "cancelled"]);

interface Msg {
  op: string;
  id: string;
  [key: string]: unknown;
}

/** The browser's own record of a file it handles. */
interface Entry {
  id: string;
  name: string;
  type: string;
  kind: Kind;
  size: number;
  values: MediaValues;
  phase: Phase;
  path: "chunked" | "direct";
  /** Bytes the kernel acknowledged (chunked path). */
  acked: number;
  error: string;
  file: Blob | null;
  /** The kernel knows this id (begin/direct_begin sent). */
  announced: boolean;
  /** Refused by the browser itself (accept, max_size): nothing was sent. */
  refused: boolean;
  abort: AbortController | null;
  inbox: Msg[];
  wake: ((m: Msg | null) => void) | null;
}

/** What a view shows for one row. */
export interface ViewRow {
  id: string;
  name: string;
  kind: string;
  size: number;
  values: MediaValues;
  state: "reading" | "sending" | "uploading" | "done" | "error" | "cancelled";
  /** 0..1, or null for "busy, amount unknown". */
  progress: number | null;
  status: string;
  error: string;
  path: string;
  cancellable: boolean;
}

class Stop extends Error {}

let idCounter = 0;
function newId(): string {
  const rnd =
    typeof crypto !== "undefined" && typeof crypto.randomUUID === "function"
      ? crypto.randomUUID().slice(0, 8)
      : Math.random().toString(36).slice(2, 10);
  return `f${Date.now().toString(36)}-${rnd}-${++idCounter}`;
}

function isMsg(m: unknown): m is Msg {
  return typeof m === "object" && m !== null && typeof (m as Msg).op === "string" && typeof (m as Msg).id === "string";
}

function kernelRows(model: Model): KernelRow[] {
  const v = model.get("rows");
  return Array.isArray(v) ? v.filter((r) => r && typeof r.id === "string") : [];
}

const UPLOADERS = new WeakMap<object, Uploader>();

/** Model-level: the transfers of one widget, shared by its views. */
export class Uploader {
  readonly model: Model;
  private readonly entries = new Map<string, Entry>();
  private readonly views = new Set<() => void>();
  private closed = false;
  private readonly offs: Array<() => void> = [];

  constructor(model: Model) {
    this.model = model;
    const onMsg = (m: unknown) => this.onMessage(m);
    const onRows = () => this.changed();
    const onClose = () => this.kernelGone();
    model.on("msg:custom", onMsg);
    model.on("change:rows", onRows);
    // ipywidgets' WidgetModel (behind anywidget's model proxy) fires these when the comm closes
    // (kernel restart or shutdown); the stall timer covers front ends that do not.
    const on = model.on as unknown as (ev: string, f: () => void) => void;
    const off = model.off as unknown as (ev: string, f: () => void) => void;
    on("comm:close", onClose);
    on("destroy", onClose);
    this.offs.push(
      () => model.off("msg:custom", onMsg),
      () => model.off("change:rows", onRows),
      () => off("comm:close", onClose),
      () => off("destroy", onClose),
    );
  }

  static of(model: Model): Uploader {
    let u = UPLOADERS.get(model);
    if (!u) {
      u = new Uploader(model);
      UPLOADERS.set(model, u);
    }
    return u;
  }

  dispose(): void {
    for (const e of this.entries.values()) if (!FINAL.has(e.phase)) this.stop(e);
    for (const off of this.offs) off();
    this.offs.length = 0;
    UPLOADERS.delete(this.model);
  }

  subscribe(fn: () => void): () => void {
    this.views.add(fn);
    return () => this.views.delete(fn);
  }

  private changed(): void {
    for (const view of this.views) view();
  }

  // --- adding files ----------------------------------------------------------------------------

  /** Files picked or dropped: each gets a row, its kind and metadata, then a transfer. */
  addFiles(files: readonly File[]): string[] {
    return files.map((f) => this.add(f, f.name, f.type, kindOf(f.name, f.type), null));
  }

  /** A finished voice recording, with the duration measured while recording. */
  addRecording(blob: Blob, name: string, duration: number): string {
    return this.add(blob, name, blob.type, "voice", { duration });
  }

  private add(file: Blob, name: string, type: string, kind: Kind, values: MediaValues | null): string {
    const e: Entry = {
      id: newId(),
      name,
      type,
      kind,
      size: file.size,
      values: values ?? {},
      phase: "reading",
      path: "chunked",
      acked: 0,
      error: "",
      file,
      announced: false,
      refused: false,
      abort: null,
      inbox: [],
      wake: null,
    };
    this.entries.set(e.id, e);
    if (this.closed) {
      this.finish(e, "error", KERNEL_RESTARTED);
      return e.id;
    }
    const refused = refusal(
      { name, type, size: file.size },
      kind,
      this.model.get("accept") || "",
      Number(this.model.get("max_size")) || 0,
    );
    if (refused) {
      e.refused = true;
      this.finish(e, "error", refused); // nothing is sent: the kernel never hears of it
      return e.id;
    }
    this.changed();
    void this.run(e, values === null);
    return e.id;
  }

  cancel(id: string): void {
    const e = this.entries.get(id);
    if (!e || FINAL.has(e.phase)) return;
    this.finish(e, "cancelled", "");
    if (e.announced) this.model.send({ op: "cancel", id });
  }

  // --- the transfer ----------------------------------------------------------------------------

  private async run(e: Entry, read: boolean): Promise<void> {
    try {
      if (read) e.values = cleanValues(e.kind, await readValues(e.file!, e.kind));
      else e.values = cleanValues(e.kind, e.values);
      this.check(e);
      const begin = {
        id: e.id,
        name: e.name,
        size: e.size,
        type: e.type,
        kind: e.kind,
        metadata: { filename: e.name, ...e.values },
      };
      if (this.model.get("direct")) {
        e.phase = "direct";
        e.path = "direct";
        e.announced = true;
        this.changed();
        this.model.send({ op: "direct_begin", ...begin });
        const offer = await this.next(e, ["direct", "no_direct"]);
        if (offer.op === "direct") {
          const token = await this.directUpload(e, offer);
          if (token !== null) {
            this.model.send({ op: "direct_done", id: e.id, file_token: token, size: e.size });
            e.phase = "uploading";
            this.changed();
            return; // `done` (or `failed`) ends it
          }
        }
        e.path = "chunked";
      }
      await this.chunked(e, begin);
    } catch (err) {
      if (err instanceof Stop) return;
      this.finish(e, "error", err instanceof Error ? err.message : String(err));
      if (e.announced) this.model.send({ op: "cancel", id: e.id }); // the kernel drops its spool
    }
  }

  /** POST the file to the backend; the file token, or null after telling the kernel it failed. */
  private async directUpload(e: Entry, offer: Msg): Promise<string | null> {
    const url = typeof offer.url === "string" ? offer.url : "";
    const token = typeof offer.token === "string" ? offer.token : "";
    const fields = offer.fields && typeof offer.fields === "object" ? (offer.fields as Record<string, unknown>) : {};
    let reason: string;
    try {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.append(k, String(v));
      form.append("file", e.file!, e.name);
      e.abort = new AbortController();
      const res = await fetch(url, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}` },
        body: form,
        signal: e.abort.signal,
        credentials: "omit",
      });
      this.check(e);
      if (res.ok) {
        const body = (await res.json()) as { fileToken?: unknown };
        this.check(e);
        if (typeof body.fileToken === "string" && body.fileToken) return body.fileToken;
        reason = "the answer had no file token";
      } else {
        reason = `HTTP ${res.status}`;
      }
    } catch (err) {
      this.check(e); // cancelled: AbortError, do not fall back
      reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err); // network or CORS error
    } finally {
      e.abort = null;
    }
    this.model.send({ op: "direct_failed", id: e.id, reason });
    return null;
  }

  private async chunked(e: Entry, begin: Record<string, unknown>): Promise<void> {
    e.phase = "sending";
    e.announced = true;
    this.changed();
    this.model.send({ op: "begin", ...begin });
    const ready = await this.next(e, ["ready"]);
    const win = new ChunkWindow(e.size, Number(ready.chunk_size), Number(ready.window));
    while (!win.complete) {
      for (let plan = win.next(); plan; plan = win.next()) {
        const bytes = await e.file!.slice(plan.offset, plan.end).arrayBuffer();
        this.check(e);
        this.model.send({ op: "chunk", id: e.id, seq: plan.seq, offset: plan.offset }, undefined, [bytes]);
      }
      const ack = await this.next(e, ["ack"]);
      win.ack(Number(ack.seq), Number(ack.received));
      e.acked = win.received;
      this.changed();
    }
    this.model.send({ op: "end", id: e.id });
    e.phase = "uploading";
    e.file = null; // the kernel has every byte
    this.changed();
  }

  /** The next message for `e` (one of `ops`); throws Stop when the entry ended, an Error on silence. */
  private next(e: Entry, ops: string[]): Promise<Msg> {
    const take = (m: Msg | null): Msg => {
      this.check(e);
      if (!m) throw new Error(KERNEL_SILENT);
      if (!ops.includes(m.op)) throw new Error(`unexpected "${m.op}" from the kernel (expected ${ops.join(" or ")})`);
      return m;
    };
    if (e.inbox.length) return Promise.resolve(take(e.inbox.shift()!));
    this.check(e);
    return new Promise<Msg>((resolve, reject) => {
      const timer = setTimeout(() => e.wake?.(null), STALL_MS);
      e.wake = (m) => {
        clearTimeout(timer);
        e.wake = null;
        try {
          resolve(take(m ?? e.inbox.shift() ?? null));
        } catch (err) {
          reject(err);
        }
      };
    });
  }

  private check(e: Entry): void {
    if (FINAL.has(e.phase)) throw new Stop();
  }

  private onMessage(m: unknown): void {
    if (!isMsg(m)) return;
    const e = this.entries.get(m.id);
    if (!e || FINAL.has(e.phase)) return;
    if (m.op === "done") {
      this.finish(e, "done", "");
    } else if (m.op === "rejected" || m.op === "failed") {
      this.stop(e);
      this.finish(e, "error", typeof m.reason === "string" && m.reason ? m.reason : `${m.op} by the kernel`);
    } else {
      e.inbox.push(m);
      e.wake?.(e.inbox.shift()!);
    }
  }

  private kernelGone(): void {
    if (this.closed) return;
    this.closed = true;
    for (const e of this.entries.values()) {
      if (FINAL.has(e.phase)) continue;
      this.stop(e);
      this.finish(e, "error", KERNEL_RESTARTED);
    }
  }

  /** Stop local work (fetch, chunk loop); the caller sets the final phase. */
  private stop(e: Entry): void {
    e.abort?.abort();
    e.abort = null;
  }

  private finish(e: Entry, phase: "done" | "error" | "cancelled", error: string): void {
    e.phase = phase;
    e.error = error;
    e.file = null;
    e.inbox.length = 0;
    this.stop(e);
    if (e.wake) e.wake(null); // rejects with Stop: the phase is final
    this.changed();
  }

  // --- what views show -------------------------------------------------------------------------

  rows(): ViewRow[] {
    const kernel = kernelRows(this.model);
    const byId = new Map(kernel.map((k) => [k.id, k]));
    const out: ViewRow[] = [];
    for (const k of kernel) if (!this.entries.has(k.id)) out.push(fromKernel(k)); // e.g. before a page reload
    for (const e of this.entries.values()) out.push(merge(e, byId.get(e.id)));
    return out;
  }
}

function fromKernel(k: KernelRow): ViewRow {
  const values = k.metadata ?? {};
  const base = { id: k.id, name: k.name, kind: k.kind, size: k.size, values, path: k.path, cancellable: false };
  switch (k.status) {
    case "done":
      return { ...base, state: "done", progress: 1, status: "Done", error: "" };
    case "cancelled":
      return { ...base, state: "cancelled", progress: null, status: "Cancelled", error: "" };
    case "uploading":
      return { ...base, state: "uploading", progress: null, status: "Uploading…", error: "" };
    case "error":
      return { ...base, state: "error", progress: null, status: "Failed", error: k.error || "failed" };
    default: // its browser went away (page reload) before the bytes were sent
      return {
        ...base,
        state: "error",
        progress: null,
        status: "Interrupted",
        error: "interrupted: the page was reloaded",
      };
  }
}

function merge(e: Entry, k: KernelRow | undefined): ViewRow {
  const values = k?.metadata && e.phase !== "reading" ? { ...e.values, ...pick(k.metadata) } : e.values;
  const base = { id: e.id, name: e.name, kind: e.kind, size: e.size, values, path: k?.path ?? e.path };
  // Local outcomes (refused here, cancelled here, kernel gone) win; otherwise the kernel's final word.
  if (!FINAL.has(e.phase) && k && FINAL.has(k.status)) return fromKernel({ ...k, name: e.name });
  switch (e.phase) {
    case "reading":
      return { ...base, state: "reading", progress: null, status: "Reading…", error: "", cancellable: true };
    case "direct":
      return { ...base, state: "sending", progress: null, status: "Uploading directly…", error: "", cancellable: true };
    case "sending": {
      const p = e.size > 0 ? e.acked / e.size : 0;
      const status = `${Math.floor(p * 100)}% · ${formatBytes(e.acked)} of ${formatBytes(e.size)}`;
      return { ...base, state: "sending", progress: p, status, error: "", cancellable: true };
    }
    case "uploading":
      return { ...base, state: "uploading", progress: null, status: "Uploading…", error: "", cancellable: true };
    case "done":
      return { ...base, state: "done", progress: 1, status: "Done", error: "", cancellable: false };
    case "cancelled":
      return { ...base, state: "cancelled", progress: null, status: "Cancelled", error: "", cancellable: false };
    default: {
      const status = e.refused ? "Not sent" : "Failed";
      return { ...base, state: "error", progress: null, status, error: e.error || "failed", cancellable: false };
    }
  }
}

function pick(m: KernelRow["metadata"]): MediaValues {
  const out: MediaValues = {};
  for (const k of ["width", "height", "duration"] as const) if (typeof m[k] === "number") out[k] = m[k];
  return out;
}

// --- reading metadata in the browser ---------------------------------------------------------------

function withTimeout<T>(p: Promise<T>, fallback: T, ms = READ_TIMEOUT_MS): Promise<T> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(fallback), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      () => {
        clearTimeout(t);
        resolve(fallback);
      },
    );
  });
}

/** Width/height/duration of `file` for `kind`; unknown values are null. Never throws. */
export async function readValues(file: Blob, kind: Kind): Promise<MediaValues> {
  const none: MediaValues = {};
  if (typeof document === "undefined" || typeof URL.createObjectURL !== "function") return none;
  if (kind === "image") return withTimeout(imageSize(file), none);
  if (kind === "video" || kind === "audio" || kind === "voice") return withTimeout(mediaInfo(file, kind), none);
  return none;
}

async function imageSize(file: Blob): Promise<MediaValues> {
  if (typeof createImageBitmap === "function") {
    try {
      const bmp = await createImageBitmap(file);
      const size = { width: bmp.width, height: bmp.height };
      bmp.close();
      if (size.width > 0 && size.height > 0) return size;
    } catch {
      // e.g. SVG: <img> can still tell
    }
  }
  const url = URL.createObjectURL(file);
  try {
    return await new Promise<MediaValues>((resolve) => {
      const img = new Image();
      img.onload = () => resolve({ width: img.naturalWidth || null, height: img.naturalHeight || null });
      img.onerror = () => resolve({ width: null, height: null });
      img.src = url;
    });
  } finally {
    URL.revokeObjectURL(url);
  }
}

async function mediaInfo(file: Blob, kind: Kind): Promise<MediaValues> {
  const url = URL.createObjectURL(file);
  const el = document.createElement(kind === "video" ? "video" : "audio");
  el.preload = "metadata";
  el.muted = true;
  try {
    await new Promise<void>((resolve, reject) => {
      el.onloadedmetadata = () => resolve();
      el.onerror = () => reject(new Error("cannot decode"));
      el.src = url;
    });
    let duration = el.duration;
    if (duration === Infinity) {
      // MediaRecorder-style WebM has no duration in its header: seeking far makes the browser find it.
      duration = await new Promise<number>((resolve) => {
        el.ondurationchange = () => {
          if (Number.isFinite(el.duration)) resolve(el.duration);
        };
        el.currentTime = 1e101;
      });
    }
    const out: MediaValues = { duration: Number.isFinite(duration) ? duration : null };
    if (el instanceof HTMLVideoElement) {
      out.width = el.videoWidth || null;
      out.height = el.videoHeight || null;
    }
    return out;
  } catch {
    return kind === "video" ? { width: null, height: null, duration: null } : { duration: null };
  } finally {
    el.removeAttribute("src");
    el.load?.();
    URL.revokeObjectURL(url);
  }
}

// --- view ------------------------------------------------------------------------------------------

const SVG_NS = "http://www.w3.org/2000/svg";
type Shape = [string, Record<string, string>];
const ICONS: Record<string, Shape[]> = {
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
};

function icon(name: string, className = "tw-fd-svg"): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("class", className);
  for (const [tag, attrs] of ICONS[name] ?? ICONS.file!) {
    const el = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    svg.append(el);
  }
  return svg;
}

function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  attrs: Record<string, string> = {},
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  el.className = className;
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

interface Recording {
  rec: MediaRecorder;
  keep: boolean;
  started: number;
  stopped: number;
}

interface RowEls {
  el: HTMLDivElement;
  kindEl: HTMLDivElement;
  kind: string;
  name: HTMLSpanElement;
  status: HTMLSpanElement;
  meta: HTMLDivElement;
  bar: HTMLDivElement;
  fill: HTMLDivElement;
  error: HTMLDivElement;
  cancel: HTMLButtonElement;
  sig: string;
}

/** "Images, .pdf · up to 10 MB" for the drop zone. */
export function zoneHint(accept: string, maxSize: number): string {
  const names: Record<string, string> = { "image/*": "images", "video/*": "videos", "audio/*": "audio" };
  const kinds = (accept || "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => names[p.toLowerCase()] ?? p);
  const what = kinds.length ? kinds.join(", ") : "any file";
  const text = what.charAt(0).toUpperCase() + what.slice(1);
  return maxSize > 0 ? `${text} · up to ${formatBytes(maxSize)}` : text;
}

let viewCounter = 0;

export class FileDropView {
  readonly root: HTMLDivElement;
  private readonly model: Model;
  private readonly up: Uploader;
  private readonly uid = `tw-fd-${++viewCounter}`;
  private readonly zone: HTMLDivElement;
  private readonly zoneTitle: HTMLSpanElement;
  private readonly zoneHintEl: HTMLSpanElement;
  private readonly input: HTMLInputElement;
  private readonly recBtn: HTMLButtonElement;
  private readonly recLabel: HTMLSpanElement;
  private readonly recTime: HTMLSpanElement;
  private readonly list: HTMLDivElement;
  private readonly banner: HTMLDivElement;
  private readonly live: HTMLDivElement;
  private readonly rowEls = new Map<string, RowEls>();
  private readonly offs: Array<() => void> = [];
  private dragDepth = 0;
  private recording: Recording | null = null;
  private recTimer: ReturnType<typeof setInterval> | undefined;
  private recStarted = 0;
  private announced = new Map<string, string>();

  constructor(model: Model, el: HTMLElement) {
    this.model = model;
    this.up = Uploader.of(model);
    const root = h("div", "tw-fd", { "data-lm-suppress-shortcuts": "true", "data-p-suppress-shortcuts": "true" });
    root.classList.add("lm-suppress-shortcuts");
    this.root = root;

    const bar = h("div", "tw-fd-bar");
    this.zone = h("div", "tw-fd-zone", {
      role: "button",
      tabindex: "0",
      "aria-describedby": `${this.uid}-hint`,
    });
    const zoneIcon = h("span", "tw-fd-zone-icon");
    zoneIcon.append(icon("upload"));
    const zoneText = h("span", "tw-fd-zone-text");
    this.zoneTitle = h("span", "tw-fd-zone-title");
    this.zoneHintEl = h("span", "tw-fd-zone-hint", { id: `${this.uid}-hint` });
    zoneText.append(this.zoneTitle, this.zoneHintEl);
    this.zone.append(zoneIcon, zoneText);

    this.recBtn = h("button", "tw-fd-rec", { type: "button", "aria-pressed": "false" });
    const recIcon = h("span", "tw-fd-rec-icon");
    recIcon.append(icon("voice"), icon("stop", "tw-fd-svg tw-fd-svg-stop"));
    this.recLabel = h("span", "tw-fd-rec-label");
    this.recTime = h("span", "tw-fd-rec-time", { "aria-hidden": "true" });
    const recText = h("span", "tw-fd-rec-text");
    recText.append(this.recLabel, this.recTime);
    this.recBtn.append(recIcon, recText);
    bar.append(this.zone, this.recBtn);

    this.input = h("input", "tw-fd-input", { type: "file", tabindex: "-1", "aria-hidden": "true" });
    this.input.hidden = true;

    this.banner = h("div", "tw-fd-banner", { role: "alert" });
    this.banner.hidden = true;
    this.list = h("div", "tw-fd-list", { role: "list", "aria-label": "Uploads" });
    this.live = h("div", "tw-fd-sr", { "aria-live": "polite", "aria-atomic": "false" });
    root.append(bar, this.input, this.banner, this.list, this.live);
    el.appendChild(root);

    // Keep notebook shortcuts (a, b, dd, Enter...) away while the widget has focus.
    root.addEventListener("keydown", (e) => e.stopPropagation());
    this.zone.addEventListener("click", () => this.pick());
    // Like a native button: Enter opens the picker on keydown, Space on keyup (keydown only stops scrolling).
    this.zone.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        e.preventDefault();
        this.pick();
      } else if (e.key === " " || e.key === "Spacebar") {
        e.preventDefault();
      }
    });
    this.zone.addEventListener("keyup", (e) => {
      if (e.key === " " || e.key === "Spacebar") {
        e.preventDefault();
        this.pick();
      }
    });
    this.input.addEventListener("change", () => {
      const files = Array.from(this.input.files ?? []);
      this.input.value = ""; // the same file can be picked again
      this.take(files);
    });
    // JupyterLab handles drops on the notebook (opening files): keep ours.
    root.addEventListener("dragenter", (e) => this.onDrag(e, +1));
    root.addEventListener("dragover", (e) => this.onDrag(e, 0));
    root.addEventListener("dragleave", (e) => this.onDrag(e, -1));
    root.addEventListener("drop", (e) => this.onDrop(e));
    this.recBtn.addEventListener("click", () => void this.toggleRecording());
    this.list.addEventListener("click", (e) => {
      const btn = (e.target as Element).closest?.(".tw-fd-cancel");
      const row = btn?.closest<HTMLElement>(".tw-fd-row");
      if (btn && row?.dataset.id) this.up.cancel(row.dataset.id);
    });

    for (const key of ["accept", "max_size", "multiple", "recorder"])
      this.listen(`change:${key}`, () => this.syncControls());
    this.offs.push(this.up.subscribe(() => this.syncRows()));
    this.syncControls();
    this.syncRows();
  }

  destroy(): void {
    this.stopRecording(false);
    for (const off of this.offs) off();
    this.offs.length = 0;
    this.root.remove();
  }

  private listen(ev: string, fn: () => void): void {
    this.model.on(ev as "change:rows", fn);
    this.offs.push(() => this.model.off(ev as "change:rows", fn));
  }

  // --- controls --------------------------------------------------------------------------------

  private syncControls(): void {
    const accept = this.model.get("accept") || "";
    const multiple = this.model.get("multiple") !== false;
    this.input.accept = accept;
    this.input.multiple = multiple;
    this.zoneTitle.textContent = multiple
      ? "Drop files here or click to choose"
      : "Drop a file here or click to choose";
    this.zoneHintEl.textContent = zoneHint(accept, Number(this.model.get("max_size")) || 0);
    this.zone.setAttribute("aria-label", multiple ? "Choose files to upload" : "Choose a file to upload");
    const canRecord =
      typeof MediaRecorder !== "undefined" &&
      typeof navigator !== "undefined" &&
      !!navigator.mediaDevices?.getUserMedia;
    this.recBtn.hidden = !this.model.get("recorder") || !canRecord;
    this.syncRecorder();
  }

  private pick(): void {
    this.input.click();
  }

  private take(files: File[]): void {
    if (!files.length) return;
    if (this.model.get("multiple") === false && files.length > 1) {
      this.say(`One file at a time: only ${files[0]!.name} is uploaded.`);
      files = files.slice(0, 1);
    }
    this.up.addFiles(files);
  }

  private onDrag(e: DragEvent, step: number): void {
    e.preventDefault();
    e.stopPropagation();
    if (e.dataTransfer && step >= 0) e.dataTransfer.dropEffect = "copy";
    this.dragDepth = step === 0 ? Math.max(this.dragDepth, 1) : Math.max(0, this.dragDepth + step);
    this.root.classList.toggle("tw-fd--dragover", this.dragDepth > 0);
  }

  private onDrop(e: DragEvent): void {
    e.preventDefault();
    e.stopPropagation();
    this.dragDepth = 0;
    this.root.classList.remove("tw-fd--dragover");
    this.take(Array.from(e.dataTransfer?.files ?? []));
  }

  // --- recording -------------------------------------------------------------------------------

  private async toggleRecording(): Promise<void> {
    if (this.recording) {
      this.stopRecording(true);
      return;
    }
    this.showBanner("");
    let stream: MediaStream;
    try {
      this.recBtn.disabled = true;
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (err) {
      this.showBanner(`Microphone not available: ${err instanceof Error ? err.message || err.name : String(err)}`);
      return;
    } finally {
      this.recBtn.disabled = false;
    }
    const rec = new MediaRecorder(stream);
    const take: Recording = { rec, keep: false, started: 0, stopped: 0 };
    const chunks: Blob[] = [];
    rec.addEventListener("dataavailable", (e) => {
      if (e.data.size) chunks.push(e.data);
    });
    rec.addEventListener("start", () => {
      take.started = performance.now();
      this.recStarted = Date.now();
    });
    rec.addEventListener("stop", () => {
      for (const t of stream.getTracks()) t.stop();
      if (!take.keep || !chunks.length) return;
      // Recorded containers often carry no duration: the time between start and stop is it.
      const end = take.stopped || performance.now();
      const duration = take.started ? Math.max(0, end - take.started) / 1000 : 0;
      const type = rec.mimeType || chunks[0]!.type || "audio/webm";
      const blob = new Blob(chunks, { type });
      this.up.addRecording(blob, recordingName(type, new Date()), Math.round(duration * 1000) / 1000);
    });
    this.recording = take;
    rec.start(1000);
    this.recStarted = Date.now();
    this.recTimer = setInterval(() => this.syncRecorder(), 250);
    this.syncRecorder();
    this.say("Recording");
  }

  private stopRecording(keep: boolean): void {
    const take = this.recording;
    if (!take) return;
    this.recording = null;
    if (this.recTimer !== undefined) clearInterval(this.recTimer);
    this.recTimer = undefined;
    take.keep = keep;
    take.stopped = performance.now();
    if (take.rec.state !== "inactive") take.rec.stop();
    else for (const t of take.rec.stream.getTracks()) t.stop();
    this.syncRecorder();
    if (keep) this.say("Recording stopped");
  }

  private syncRecorder(): void {
    const on = this.recording !== null;
    this.root.classList.toggle("tw-fd--recording", on);
    this.recBtn.setAttribute("aria-pressed", String(on));
    const elapsed = on ? formatClock((Date.now() - this.recStarted) / 1000) : "";
    this.recLabel.textContent = on ? "Stop" : "Record";
    this.recTime.textContent = elapsed;
    this.recTime.hidden = !on;
    this.recBtn.setAttribute("aria-label", on ? `Stop recording (${elapsed})` : "Record a voice note");
  }

  // --- rows ------------------------------------------------------------------------------------

  private syncRows(): void {
    const rows = this.up.rows();
    const wanted = new Set(rows.map((r) => r.id));
    for (const [id, r] of this.rowEls) {
      if (!wanted.has(id)) {
        r.el.remove();
        this.rowEls.delete(id);
      }
    }
    let anchor: Element | null = null;
    for (let i = rows.length - 1; i >= 0; i--) {
      const row = rows[i]!;
      let els = this.rowEls.get(row.id);
      if (!els) {
        els = this.createRow(row.id);
        this.rowEls.set(row.id, els);
      }
      this.fillRow(els, row);
      if (els.el.nextElementSibling !== anchor || els.el.parentNode !== this.list)
        this.list.insertBefore(els.el, anchor);
      anchor = els.el;
    }
    this.list.hidden = rows.length === 0;
  }

  private createRow(id: string): RowEls {
    const el = h("div", "tw-fd-row", { role: "listitem" });
    el.dataset.id = id;
    const kindEl = h("div", "tw-fd-kind");
    const main = h("div", "tw-fd-main");
    const line = h("div", "tw-fd-line");
    const name = h("span", "tw-fd-name");
    const status = h("span", "tw-fd-status");
    line.append(name, status);
    const meta = h("div", "tw-fd-meta");
    const bar = h("div", "tw-fd-progress", { role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100" });
    const fill = h("div", "tw-fd-progress-fill");
    bar.append(fill);
    const error = h("div", "tw-fd-error");
    main.append(line, meta, bar, error);
    const cancel = h("button", "tw-fd-cancel", { type: "button" });
    cancel.append(icon("close"));
    el.append(kindEl, main, cancel);
    return { el, kindEl, kind: "", name, status, meta, bar, fill, error, cancel, sig: "" };
  }

  private fillRow(r: RowEls, row: ViewRow): void {
    const sig = JSON.stringify(row);
    if (sig === r.sig) return;
    r.sig = sig;
    r.el.dataset.state = row.state;
    r.el.dataset.kind = row.kind;
    r.el.dataset.path = row.path;
    if (r.kind !== row.kind) {
      r.kind = row.kind;
      r.kindEl.replaceChildren(icon(row.kind in ICONS ? row.kind : "file"));
      r.kindEl.title = kindLabel(row.kind);
    }
    r.name.textContent = row.name || "(unnamed)";
    r.name.title = row.name;
    const statusIcon = row.state === "done" ? "check" : row.state === "error" ? "alert" : "";
    r.status.replaceChildren(...(statusIcon ? [icon(statusIcon, "tw-fd-svg tw-fd-status-icon")] : []), row.status);
    r.meta.textContent = metaSummary(row.kind, row.values, row.size);

    const busy = row.state === "reading" || row.state === "sending" || row.state === "uploading";
    r.bar.hidden = !busy;
    r.bar.classList.toggle("tw-fd-progress--indeterminate", busy && row.progress === null);
    r.bar.setAttribute("aria-label", `${row.name}: ${row.status}`);
    if (row.progress === null) {
      r.bar.removeAttribute("aria-valuenow");
      r.fill.style.width = "";
    } else {
      const pct = Math.floor(row.progress * 100);
      r.bar.setAttribute("aria-valuenow", String(pct));
      r.fill.style.width = `${(row.progress * 100).toFixed(2)}%`;
    }
    r.error.textContent = row.error;
    r.error.hidden = !row.error;
    r.cancel.hidden = !row.cancellable;
    r.cancel.setAttribute("aria-label", `Cancel ${row.name}`);
    r.cancel.title = "Cancel";

    // Announce outcomes once (errors are the important part for screen readers).
    const outcome =
      row.state === "error" ? `${row.name}: ${row.error}` : row.state === "done" ? `${row.name} uploaded` : "";
    if (outcome && this.announced.get(row.id) !== outcome) {
      this.announced.set(row.id, outcome);
      this.say(outcome);
    }
  }

  private say(text: string): void {
    const p = document.createElement("div");
    p.textContent = text;
    this.live.append(p);
    while (this.live.childElementCount > 5) this.live.firstElementChild?.remove();
  }

  private showBanner(text: string): void {
    this.banner.textContent = text;
    this.banner.hidden = !text;
  }
}

const initialize: Initialize<FileDropModel> = ({ model }) => {
  const up = Uploader.of(model);
  return () => up.dispose();
};

const render: Render<FileDropModel> = ({ model, el }) => {
  const view = new FileDropView(model, el);
  return () => view.destroy();
};

// Only a default export: anywidget treats a named `render` export as the deprecated module format.
export default { initialize, render };
