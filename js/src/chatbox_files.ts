/**
 * Files in messages, by kind: images inline (lazy, sized from their known width/height so nothing
 * moves when they load), video and audio with the browser's players, voice notes as a compact
 * player with their duration, anything else as a download chip; locations as a map link.
 *
 * No URL is in widget state (they are capabilities). A view asks the kernel for the URLs of the
 * messages it shows (`{op: "files", ids}`), in batches; FileUrls keeps the answers. Until a URL
 * arrives a block shows its placeholder at its final size; a URL that does not load (the browser
 * cannot reach the chat server) leaves a chip that says so.
 */
import { duration, extension, fileLabel, fileSize } from "./chatbox_format";
import type { FileContent, LocationContent } from "./chatbox_types";
import { h } from "./dom";
import { icon } from "./icons";

/** Largest box an image or video takes in a bubble (CSS pixels). */
export const MEDIA_MAX_W = 320;
export const MEDIA_MAX_H = 320;

/** Display size of a `w`×`h` medium inside MEDIA_MAX_W×MEDIA_MAX_H (null: unknown size). */
export function fitBox(w: unknown, hgt: unknown): { width: number; height: number } | null {
  if (typeof w !== "number" || typeof hgt !== "number" || !(w > 0) || !(hgt > 0)) return null;
  const scale = Math.min(1, MEDIA_MAX_W / w, MEDIA_MAX_H / hgt);
  return { width: Math.max(1, Math.round(w * scale)), height: Math.max(1, Math.round(hgt * scale)) };
}

/** The URLs the kernel sent, per message id, and the batching of the requests. */
export class FileUrls {
  private readonly urls = new Map<string, (string | null)[]>();
  private readonly asked = new Set<string>();
  private readonly waiting = new Map<string, Array<(urls: (string | null)[]) => void>>();
  private pending = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly send: (msg: Record<string, unknown>) => void;

  constructor(send: (msg: Record<string, unknown>) => void) {
    this.send = send;
  }

  /** Calls `fn` with the message's URLs, now if known, else once the kernel answers. */
  get(messageId: string, fn: (urls: (string | null)[]) => void): void {
    const known = this.urls.get(messageId);
    if (known) {
      fn(known);
      return;
    }
    const list = this.waiting.get(messageId) ?? [];
    list.push(fn);
    this.waiting.set(messageId, list);
    if (!this.asked.has(messageId)) {
      this.asked.add(messageId);
      this.pending.add(messageId);
      this.timer ??= setTimeout(() => this.flush(), 30);
    }
  }

  /** Forget a message's URLs (they failed: ask again next time). */
  forget(messageId: string): void {
    this.urls.delete(messageId);
    this.asked.delete(messageId);
  }

  /** A `{op: "files", urls}` message from the kernel. */
  take(urls: unknown): void {
    if (typeof urls !== "object" || urls === null) return;
    for (const [id, list] of Object.entries(urls as Record<string, unknown>)) {
      if (!Array.isArray(list)) continue;
      const clean = list.map((u) => (typeof u === "string" && /^(https?:|blob:)/i.test(u) ? u : null));
      this.urls.set(id, clean);
      for (const fn of this.waiting.get(id) ?? []) fn(clean);
      this.waiting.delete(id);
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.waiting.clear();
  }

  private flush(): void {
    this.timer = undefined;
    const ids = [...this.pending];
    this.pending = new Set();
    for (let i = 0; i < ids.length; i += 200) this.send({ op: "files", ids: ids.slice(i, i + 200) });
  }
}

/** A rendered file block: its element, and how to give it its URL. */
export interface FileView {
  el: HTMLElement;
  setUrl(url: string | null): void;
}

function unavailable(el: HTMLElement, f: FileContent): void {
  el.classList.add("tw-cb-file--unavailable");
  el.title = `${f.filename || fileLabel(f)}: not reachable from this browser`;
}

function chip(f: FileContent): FileView {
  const el = h("a", "tw-cb-filechip", { role: "link", "aria-disabled": "true" });
  const badge = h("span", "tw-cb-filechip-icon");
  badge.append(icon("file", "tw-cb-svg"));
  const ext = extension(f.filename);
  if (ext) {
    const e = h("span", "tw-cb-filechip-ext");
    e.textContent = ext;
    badge.append(e);
  }
  const text = h("span", "tw-cb-filechip-text");
  const name = h("span", "tw-cb-filechip-name");
  name.textContent = f.filename || "File";
  name.title = f.filename || "";
  const meta = h("span", "tw-cb-filechip-meta");
  meta.textContent = fileSize(f.size) || "File";
  text.append(name, meta);
  const dl = h("span", "tw-cb-filechip-dl");
  dl.append(icon("download", "tw-cb-svg"));
  el.append(badge, text, dl);
  return {
    el,
    setUrl(url) {
      if (!url) return unavailable(el, f);
      el.href = url;
      el.download = f.filename || "";
      el.target = "_blank";
      el.rel = "noopener noreferrer";
      el.removeAttribute("aria-disabled");
      el.setAttribute(
        "aria-label",
        `Download ${f.filename || "file"}${meta.textContent ? `, ${meta.textContent}` : ""}`,
      );
    },
  };
}

function image(f: FileContent): FileView {
  const box = fitBox(f.width, f.height);
  const el = h("a", "tw-cb-media tw-cb-media--image", { "aria-label": f.filename || "Photo" });
  el.style.width = box ? `${box.width}px` : `${MEDIA_MAX_W}px`;
  el.style.aspectRatio = box ? `${box.width} / ${box.height}` : "4 / 3";
  const img = h("img", "tw-cb-img", { alt: f.filename || "Photo", loading: "lazy", decoding: "async" });
  if (box) {
    img.width = box.width;
    img.height = box.height;
  }
  img.referrerPolicy = "no-referrer";
  img.addEventListener("load", () => el.classList.add("tw-cb-media--loaded"));
  img.addEventListener("error", () => unavailable(el, f));
  el.append(img);
  return {
    el,
    setUrl(url) {
      if (!url) return unavailable(el, f);
      el.href = url;
      el.target = "_blank";
      el.rel = "noopener noreferrer";
      img.src = url;
    },
  };
}

function video(f: FileContent): FileView {
  const box = fitBox(f.width, f.height);
  const el = h("div", "tw-cb-media tw-cb-media--video");
  el.style.width = box ? `${box.width}px` : `${MEDIA_MAX_W}px`;
  el.style.aspectRatio = box ? `${box.width} / ${box.height}` : "16 / 9";
  const player = h("video", "tw-cb-video", { controls: "", preload: "metadata", playsinline: "" });
  player.setAttribute("aria-label", f.filename || "Video");
  player.addEventListener("error", () => unavailable(el, f));
  el.append(player);
  return {
    el,
    setUrl(url) {
      if (!url) return unavailable(el, f);
      player.src = url;
    },
  };
}

function audio(f: FileContent): FileView {
  const el = h("div", "tw-cb-audio");
  const name = h("div", "tw-cb-audio-name");
  name.textContent = [f.filename || "Audio", duration(f.duration)].filter(Boolean).join(" · ");
  const player = h("audio", "tw-cb-audio-player", { controls: "", preload: "none" });
  player.setAttribute("aria-label", f.filename || "Audio");
  player.addEventListener("error", () => unavailable(el, f));
  el.append(name, player);
  return {
    el,
    setUrl(url) {
      if (!url) return unavailable(el, f);
      player.src = url;
    },
  };
}

function voice(f: FileContent): FileView {
  const el = h("div", "tw-cb-voice");
  const total = typeof f.duration === "number" && f.duration > 0 ? f.duration : null;
  const play = h("button", "tw-cb-voice-play", { type: "button", "aria-label": "Play voice message" });
  play.append(icon("play", "tw-cb-svg tw-cb-svg-play"), icon("pause", "tw-cb-svg tw-cb-svg-pause"));
  const track = h("div", "tw-cb-voice-track", {
    role: "progressbar",
    "aria-label": "Voice message",
    "aria-valuemin": "0",
    "aria-valuemax": "100",
    "aria-valuenow": "0",
  });
  const fill = h("div", "tw-cb-voice-fill");
  track.append(fill);
  const time = h("span", "tw-cb-voice-time");
  time.textContent = duration(total) || "0:00";
  const player = h("audio", "", { preload: "none" });
  el.append(play, track, time, player);
  play.disabled = true;
  const length = () => (Number.isFinite(player.duration) && player.duration > 0 ? player.duration : total);
  player.addEventListener("timeupdate", () => {
    const len = length();
    const pct = len ? Math.min(100, (player.currentTime / len) * 100) : 0;
    fill.style.width = `${pct}%`;
    track.setAttribute("aria-valuenow", String(Math.round(pct)));
    time.textContent = duration(player.paused ? len : player.currentTime) || "0:00";
  });
  const sync = () => {
    el.classList.toggle("tw-cb-voice--playing", !player.paused);
    play.setAttribute("aria-label", player.paused ? "Play voice message" : "Pause voice message");
  };
  player.addEventListener("play", sync);
  player.addEventListener("pause", sync);
  player.addEventListener("ended", () => {
    fill.style.width = "0%";
    time.textContent = duration(length()) || "0:00";
    sync();
  });
  player.addEventListener("error", () => unavailable(el, f));
  play.addEventListener("click", () => {
    if (player.paused) void player.play().catch(() => unavailable(el, f));
    else player.pause();
  });
  return {
    el,
    setUrl(url) {
      if (!url) return unavailable(el, f);
      player.src = url;
      play.disabled = false;
    },
  };
}

/** The view of one file block (its URL comes later). */
export function fileView(f: FileContent): FileView {
  switch (f.subtype) {
    case "image":
      return image(f);
    case "video":
      return video(f);
    case "audio":
      return audio(f);
    case "voice":
      return voice(f);
    default:
      return chip(f);
  }
}

/** A location: a chip that opens the place on OpenStreetMap (only when clicked). */
export function locationView(loc: LocationContent): HTMLElement {
  const lat = Number(loc.latitude);
  const lon = Number(loc.longitude);
  const el = h("a", "tw-cb-filechip tw-cb-location");
  const badge = h("span", "tw-cb-filechip-icon");
  badge.append(icon("pin", "tw-cb-svg"));
  const text = h("span", "tw-cb-filechip-text");
  const name = h("span", "tw-cb-filechip-name");
  name.textContent = "Location";
  const meta = h("span", "tw-cb-filechip-meta");
  meta.textContent = Number.isFinite(lat) && Number.isFinite(lon) ? `${lat.toFixed(5)}, ${lon.toFixed(5)}` : "";
  text.append(name, meta);
  el.append(badge, text);
  if (Number.isFinite(lat) && Number.isFinite(lon)) {
    el.href = `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=16/${lat}/${lon}`;
    el.target = "_blank";
    el.rel = "noopener noreferrer";
  }
  return el;
}
