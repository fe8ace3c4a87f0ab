/**
 * Reading a file's width/height/duration in the browser, before it is sent: images give their
 * natural size (createImageBitmap, else <img>), videos width/height/duration (<video>
 * loadedmetadata), audio its duration. A file the browser cannot decode, or that takes longer than
 * READ_TIMEOUT_MS, keeps unknown (null) values: probing never fails an upload.
 */
import type { Kind, MediaValues } from "./upload_core";

/** Reading a file's width/height/duration gives up after this long (the values stay unknown). */
export const READ_TIMEOUT_MS = 8_000;

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
export async function probeMedia(file: Blob, kind: Kind): Promise<MediaValues> {
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
