/**
 * Pure helpers of uploads (no DOM): kind detection, the `accept` rules, chunk planning with a
 * window of unacknowledged chunks, value cleaning, and the texts views show (sizes, durations,
 * row details, the drop zone hint). See docs/upload-protocol.md.
 */

export type Kind = "image" | "video" | "audio" | "voice" | "file";

/** What the browser read from a file; `null` = could not be read (the kernel keeps it unknown). */
export interface MediaValues {
  width?: number | null;
  height?: number | null;
  duration?: number | null;
}

/** A row of the kernel's synced `rows` trait. */
export interface KernelRow {
  id: string;
  name: string;
  kind: Kind;
  size: number;
  metadata: { filename?: string } & MediaValues;
  status: "reading" | "sending" | "uploading" | "done" | "error" | "cancelled";
  progress?: number;
  error: string;
  /** "none": refused before any byte was sent (too large, type not accepted). */
  path: "chunked" | "direct" | "none";
}

// Extensions that decide the kind when the browser gives no specific MIME type.
const IMAGE_EXT = "png jpg jpeg jfif pjpeg gif webp avif bmp svg ico apng heic heif tif tiff".split(" ");
const VIDEO_EXT = "mp4 m4v webm mov mkv ogv avi mpeg mpg 3gp ts".split(" ");
const AUDIO_EXT = "mp3 m4a aac ogg oga opus wav flac weba mid midi aif aiff amr".split(" ");

export function extensionOf(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 && dot < name.length - 1 ? name.slice(dot + 1).toLowerCase() : "";
}

/**
 * The kind of a file, from its MIME type (`File.type`, which browsers derive from the extension or
 * the OS), falling back to the extension when the type is empty or generic
 * (`application/octet-stream`). Content is not sniffed: a PNG named `photo.mp3` arrives as
 * `audio/mpeg` and stays `audio`; the browser then fails to decode it and its duration stays
 * unknown (null). Voice notes are only ever made by the recorder.
 */
export function kindOf(name: string, type: string): Kind {
  const mime = (type || "").toLowerCase().split(";")[0]!.trim();
  if (mime.startsWith("image/")) return "image";
  if (mime.startsWith("video/")) return "video";
  if (mime.startsWith("audio/")) return "audio";
  if (mime && mime !== "application/octet-stream") return mime === "application/ogg" ? "audio" : "file";
  const ext = extensionOf(name);
  if (IMAGE_EXT.includes(ext)) return "image";
  if (VIDEO_EXT.includes(ext)) return "video";
  if (AUDIO_EXT.includes(ext)) return "audio";
  return "file";
}

/** `<input accept>` rules, exactly like the kernel's `accepts`: `.ext`, `type/sub`, `type/*`; "" accepts anything. */
export function accepts(accept: string, name: string, type: string): boolean {
  const patterns = (accept || "")
    .split(",")
    .map((p) => p.trim().toLowerCase())
    .filter(Boolean);
  if (!patterns.length) return true;
  const lname = name.toLowerCase();
  const mime = (type || "").toLowerCase();
  return patterns.some((p) => (p.startsWith(".") ? lname.endsWith(p) : globMatch(p, mime)));
}

function globMatch(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${re}$`).test(value);
}

/** Why a file is refused before any byte moves, or null. Voice notes are exempt from `accept` (as in the kernel). */
export function refusal(
  file: { name: string; type: string; size: number },
  kind: Kind,
  accept: string,
  maxSize: number,
): string | null {
  if (kind !== "voice" && !accepts(accept, file.name, file.type)) return `type not accepted here (${accept})`;
  if (maxSize > 0 && file.size > maxSize) return tooLarge(file.size, maxSize);
  return null;
}

/**
 * "too large: 30 MiB, the limit is 25 MiB", with exact bytes when the rounded sizes read the same
 * (the kernel's `too_large` in talkwidgets/widgets/_upload_rules.py says it the same way).
 */
export function tooLarge(size: number, limit: number): string {
  let said = formatBytes(size);
  let allowed = formatBytes(limit);
  if (said === allowed) {
    allowed = `${groupDigits(limit)} bytes (${allowed})`;
    said = `${groupDigits(size)} bytes`;
  }
  return `too large: ${said}, the limit is ${allowed}`;
}

function groupDigits(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** The largest file a widget takes: the smallest of its own `max_size` and the backend's limit that is set (> 0); 0 for none. */
/**
 * The chunk size and window of a FileDrop model (its `chunk_size` and `window` traits), or null when
 * they are not usable numbers: the uploader then waits for the kernel's `ready` to learn them.
 */
export function chunkingOf(chunkSizeTrait: unknown, windowTrait: unknown): Chunking | null {
  const chunkSize = Number(chunkSizeTrait);
  const window = Number(windowTrait);
  return Number.isInteger(chunkSize) && chunkSize > 0 && Number.isInteger(window) && window > 0
    ? { chunkSize, window }
    : null;
}

/** How a chunked transfer cuts its file and how many chunks it keeps in flight. */
export interface Chunking {
  chunkSize: number;
  window: number;
}

export function effectiveLimit(maxSize: number, backendMax: number): number {
  const limits = [maxSize, backendMax].filter((n) => Number.isFinite(n) && n > 0);
  return limits.length ? Math.min(...limits) : 0;
}

/**
 * The multipart fields besides the file part for a direct upload of `kind` with cleaned `values`:
 * what the kernel's metadata classes give (`form_fields()` in talkwidgets/model/files.py), so a
 * browser holding an upload target sends the same as for a per-file offer.
 */
export function formFields(kind: Kind, values: MediaValues): Record<string, string> {
  const out: Record<string, string> = {};
  if (kind !== "file") out.subtype = kind;
  const v = cleanValues(kind, values);
  for (const key of ["width", "height", "duration"] as const) {
    const n = v[key];
    if (typeof n === "number") out[key] = String(n);
  }
  return out;
}

export interface ChunkPlan {
  seq: number;
  offset: number;
  end: number;
}

/**
 * Which chunk to send next: `chunkSize`-byte slices of a `size`-byte file, at most `window` of them
 * unacknowledged. Acks must come in order (the kernel writes chunks in order and acks each one).
 */
export class ChunkWindow {
  readonly size: number;
  readonly chunkSize: number;
  readonly window: number;
  readonly total: number;
  private nextSeq = 0;
  private acked = 0;
  /** Bytes the kernel confirmed on disk. */
  received = 0;

  constructor(size: number, chunkSize: number, window: number) {
    if (!(chunkSize > 0) || !(window > 0) || !(size >= 0)) throw new RangeError("bad chunk parameters");
    this.size = size;
    this.chunkSize = Math.floor(chunkSize);
    this.window = Math.floor(window);
    this.total = Math.ceil(size / this.chunkSize);
  }

  get inFlight(): number {
    return this.nextSeq - this.acked;
  }

  /** The next chunk to send now, or null (window full, or everything sent). */
  next(): ChunkPlan | null {
    if (this.nextSeq >= this.total || this.inFlight >= this.window) return null;
    const seq = this.nextSeq++;
    const offset = seq * this.chunkSize;
    return { seq, offset, end: Math.min(this.size, offset + this.chunkSize) };
  }

  /** Record the kernel's `{op:"ack", seq, received}`; throws on an ack that does not match. */
  ack(seq: number, received: number): void {
    if (seq !== this.acked || seq >= this.nextSeq) throw new Error(`unexpected ack ${seq} (expected ${this.acked})`);
    const expected = Math.min(this.size, (seq + 1) * this.chunkSize);
    if (received !== expected) throw new Error(`kernel has ${received} bytes, expected ${expected}`);
    this.acked = seq + 1;
    this.received = received;
  }

  /** Every chunk sent and acknowledged. */
  get complete(): boolean {
    return this.acked >= this.total;
  }
}

/**
 * "351 B", "1.5 KiB", "25 MiB", "1.2 GiB": powers of 1024 with their IEC names, the way upload
 * limits are set (`--max-upload-mb 25` is 26,214,400 bytes). The kernel's `format_bytes` matches.
 */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return "";
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 ? Math.round(v) : v.toFixed(1).replace(/\.0$/, "")} ${units[i]}`;
}

/** Media durations: "1.5 s", "12 s", "1:05", "1:02:03"; "" when unknown. */
export function formatDuration(s: number | null | undefined): string {
  if (typeof s !== "number" || !Number.isFinite(s) || s < 0) return "";
  if (s < 10) return `${(Math.round(s * 10) / 10).toString()} s`;
  if (s < 59.5) return `${Math.round(s)} s`;
  return formatClock(Math.round(s));
}

/** "0:03", "1:05", "1:02:03" (recording timer). */
export function formatClock(s: number): string {
  const t = Math.max(0, Math.floor(s));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

const KIND_LABELS: Record<Kind, string> = {
  image: "Image",
  video: "Video",
  audio: "Audio",
  voice: "Voice note",
  file: "File",
};

export function kindLabel(kind: string): string {
  return KIND_LABELS[kind as Kind] ?? "File";
}

/** The row's detail line: "Image · 640×480 · 351 B", "Audio · 2.7 s · 2.8 KB", "Video · 1.5 MB" (unknown values left out). */
export function metaSummary(
  kind: string,
  values: MediaValues | null | undefined,
  size: number | null | undefined,
): string {
  const parts = [kindLabel(kind)];
  const v = values ?? {};
  if ((kind === "image" || kind === "video") && isPos(v.width) && isPos(v.height)) parts.push(`${v.width}×${v.height}`);
  if (kind === "video" || kind === "audio" || kind === "voice") {
    const d = formatDuration(v.duration);
    if (d) parts.push(d);
  }
  if (typeof size === "number" && size >= 0) parts.push(formatBytes(size));
  return parts.join(" · ");
}

function isPos(n: unknown): n is number {
  return typeof n === "number" && Number.isFinite(n) && n > 0;
}

/** Keep only values the kernel can use: positive integers for sizes, finite non-negative durations; else null. */
export function cleanValues(kind: Kind, v: MediaValues): MediaValues {
  const out: MediaValues = {};
  if (kind === "image" || kind === "video") {
    out.width = isPos(v.width) && Number.isInteger(v.width) ? v.width : null;
    out.height = isPos(v.height) && Number.isInteger(v.height) ? v.height : null;
  }
  if (kind === "video" || kind === "audio" || kind === "voice") {
    const d = v.duration;
    out.duration = typeof d === "number" && Number.isFinite(d) && d >= 0 ? d : null;
  }
  return out;
}

/** "voice-2026-11-28-143005.webm" from the recorder's MIME type. */
export function recordingName(mime: string, at: Date): string {
  const base = (mime || "").split(";")[0]!.trim().toLowerCase();
  const ext = base.endsWith("/ogg") ? "ogg" : base.endsWith("/mp4") ? "m4a" : base.endsWith("/wav") ? "wav" : "webm";
  const p = (n: number) => String(n).padStart(2, "0");
  const stamp = `${at.getFullYear()}-${p(at.getMonth() + 1)}-${p(at.getDate())}-${p(at.getHours())}${p(at.getMinutes())}${p(at.getSeconds())}`;
  return `voice-${stamp}.${ext}`;
}

/**
 * "Images, .pdf · up to 10 MiB" for a drop zone; with no limit in bytes, `note` says why
 * ("TalkJS does not publish its upload size limit").
 */
export function zoneHint(accept: string, maxSize: number, note = ""): string {
  const names: Record<string, string> = { "image/*": "images", "video/*": "videos", "audio/*": "audio" };
  const kinds = (accept || "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => names[p.toLowerCase()] ?? p);
  const what = kinds.length ? kinds.join(", ") : "any file";
  const text = what.charAt(0).toUpperCase() + what.slice(1);
  if (maxSize > 0) return `${text} · up to ${formatBytes(maxSize)}`;
  return note ? `${text} · ${note}` : text;
}
