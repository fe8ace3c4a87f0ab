import { describe, expect, it } from "vitest";
import {
  accepts,
  ChunkWindow,
  cleanValues,
  effectiveLimit,
  formatBytes,
  formatClock,
  formatDuration,
  formFields,
  kindOf,
  metaSummary,
  recordingName,
  refusal,
  tooLarge,
  zoneHint,
} from "../src/upload_core";

describe("kindOf", () => {
  it.each([
    ["cat.png", "image/png", "image"],
    ["clip.webm", "video/webm", "video"],
    ["song.mp3", "audio/mpeg", "audio"],
    ["report.pdf", "application/pdf", "file"],
    ["notes.txt", "text/plain", "file"], // MP3 bytes, but the browser says text: the type wins
    ["photo.mp3", "audio/mpeg", "audio"], // PNG bytes named .mp3: stays audio (its duration will be unknown)
    ["voice.ogg", "application/ogg", "audio"],
    ["IMG_1.HEIC", "", "image"], // no type from the OS: the extension decides
    ["movie.mkv", "application/octet-stream", "video"],
    ["track.flac", "", "audio"],
    ["archive", "", "file"],
    [".png", "", "file"], // a dotfile has no extension
    ["a.weird", "", "file"],
    ["x.png", "IMAGE/PNG; charset=binary", "image"],
  ])("%s (%s) -> %s", (name, type, kind) => {
    expect(kindOf(name, type)).toBe(kind);
  });
});

describe("accepts (same rules as the kernel's accepts())", () => {
  it("matches extensions, exact types and wildcards, case-insensitively", () => {
    expect(accepts("", "anything.bin", "")).toBe(true);
    expect(accepts("image/*,.pdf", "x.PDF", "")).toBe(true);
    expect(accepts("image/*", "a.bin", "image/png")).toBe(true);
    expect(accepts("image/*,.pdf", "a.mp3", "audio/mpeg")).toBe(false);
    expect(accepts("audio/mpeg", "a.mp3", "audio/mpeg")).toBe(true);
    expect(accepts("audio/mpeg", "a.ogg", "audio/ogg")).toBe(false);
    expect(accepts(" .PNG , video/* ", "shot.png", "")).toBe(true);
    expect(accepts("image/*", "x.png", "")).toBe(false); // no type: only extension patterns can match
    expect(accepts("image/svg+xml", "a.svg", "image/svg+xml")).toBe(true); // "+" is literal
  });

  it("refusal: type before size; voice notes skip accept but not max_size", () => {
    const f = { name: "a.mp3", type: "audio/mpeg", size: 5000 };
    expect(refusal(f, "audio", "image/*", 0)).toMatch(/^type not accepted/);
    expect(refusal(f, "audio", "", 1024)).toBe("too large: 4.9 KiB, the limit is 1 KiB");
    expect(refusal(f, "audio", "", 0)).toBeNull();
    expect(refusal({ ...f, name: "voice.webm", type: "audio/webm" }, "voice", "image/*", 0)).toBeNull();
    expect(refusal({ ...f, name: "voice.webm" }, "voice", "image/*", 100)).toMatch(/^too large/);
  });
});

describe("formFields (what the kernel's metadata classes give as form_fields())", () => {
  it("subtype by kind, then the values that are known, as JS prints numbers", () => {
    expect(formFields("file", {})).toEqual({});
    expect(formFields("image", { width: 64, height: null })).toEqual({ subtype: "image", width: "64" });
    expect(formFields("video", { width: 2, height: 1, duration: 1.5 })).toEqual({
      subtype: "video",
      width: "2",
      height: "1",
      duration: "1.5",
    });
    expect(formFields("voice", { duration: 3, width: 9 })).toEqual({ subtype: "voice", duration: "3" });
    expect(formFields("audio", { duration: Number.NaN })).toEqual({ subtype: "audio" });
  });
});

describe("ChunkWindow", () => {
  const MiB = 1 << 20;

  it("plans chunk_size slices and keeps at most `window` unacknowledged", () => {
    const w = new ChunkWindow(10 * MiB + 1, MiB, 4);
    expect(w.total).toBe(11);
    const sent = [w.next(), w.next(), w.next(), w.next()];
    expect(sent.map((p) => p!.seq)).toEqual([0, 1, 2, 3]);
    expect(sent[1]).toEqual({ seq: 1, offset: MiB, end: 2 * MiB });
    expect(w.next()).toBeNull(); // window full
    expect(w.inFlight).toBe(4);
    w.ack(0, MiB);
    expect(w.received).toBe(MiB);
    expect(w.next()!.seq).toBe(4);
    expect(w.next()).toBeNull();
    for (let seq = 1; seq <= 4; seq++) w.ack(seq, (seq + 1) * MiB);
    const rest = [];
    for (let p = w.next(); p; p = w.next()) rest.push(p);
    expect(rest.map((p) => p.seq)).toEqual([5, 6, 7, 8]);
    for (let seq = 5; seq <= 8; seq++) w.ack(seq, (seq + 1) * MiB);
    expect(w.next()!.seq).toBe(9);
    const last = w.next()!;
    expect(last).toEqual({ seq: 10, offset: 10 * MiB, end: 10 * MiB + 1 });
    w.ack(9, 10 * MiB);
    expect(w.complete).toBe(false);
    w.ack(10, 10 * MiB + 1);
    expect(w.complete).toBe(true);
    expect(w.next()).toBeNull();
  });

  it("refuses acks out of order, for unsent chunks, or with the wrong byte count", () => {
    const w = new ChunkWindow(3000, 1000, 2);
    w.next();
    w.next();
    expect(() => w.ack(1, 2000)).toThrow(/unexpected ack 1/);
    expect(() => w.ack(0, 999)).toThrow(/expected 1000/);
    w.ack(0, 1000);
    expect(() => w.ack(0, 1000)).toThrow();
    w.ack(1, 2000);
    expect(() => w.ack(2, 3000)).toThrow(); // chunk 2 was never sent
  });

  it("an empty file is complete at once; a window of 1 is stop-and-wait", () => {
    expect(new ChunkWindow(0, 1000, 4).complete).toBe(true);
    const w = new ChunkWindow(2500, 1000, 1);
    expect(w.next()!.seq).toBe(0);
    expect(w.next()).toBeNull();
    expect(() => new ChunkWindow(10, 0, 1)).toThrow(RangeError);
  });
});

describe("formatting", () => {
  it("bytes", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(351)).toBe("351 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(10 * 1024)).toBe("10 KiB");
    expect(formatBytes(25 * 1024 * 1024)).toBe("25 MiB"); // the emulator's default limit, 26214400 bytes
    expect(formatBytes(200 * 1024 * 1024)).toBe("200 MiB");
    expect(formatBytes(1024 ** 3 * 1.2)).toBe("1.2 GiB");
    expect(formatBytes(1024 ** 3 * 1.25)).toBe("1.3 GiB");
    expect(formatBytes(-1)).toBe("");
  });

  it("too large: sizes in words, exact bytes when the words would read the same", () => {
    expect(tooLarge(30 * 1024 * 1024, 25 * 1024 * 1024)).toBe("too large: 30 MiB, the limit is 25 MiB");
    expect(tooLarge(26214401, 26214400)).toBe("too large: 26,214,401 bytes, the limit is 26,214,400 bytes (25 MiB)");
  });

  it("the limit that applies: the smaller of max_size and the backend's, each when set", () => {
    expect(effectiveLimit(0, 0)).toBe(0);
    expect(effectiveLimit(0, 26214400)).toBe(26214400);
    expect(effectiveLimit(1000, 26214400)).toBe(1000);
    expect(effectiveLimit(1000, 0)).toBe(1000);
    expect(effectiveLimit(Number.NaN, 5)).toBe(5);
  });

  it("durations and the recording clock", () => {
    expect(formatDuration(1.5)).toBe("1.5 s");
    expect(formatDuration(2.664)).toBe("2.7 s");
    expect(formatDuration(0.04)).toBe("0 s");
    expect(formatDuration(42.4)).toBe("42 s");
    expect(formatDuration(65)).toBe("1:05");
    expect(formatDuration(3723)).toBe("1:02:03");
    expect(formatDuration(null)).toBe("");
    expect(formatDuration(Infinity)).toBe("");
    expect(formatClock(0)).toBe("0:00");
    expect(formatClock(3.9)).toBe("0:03");
  });

  it("row details leave unknown values out", () => {
    expect(metaSummary("image", { width: 640, height: 480 }, 1536)).toBe("Image · 640×480 · 1.5 KiB");
    expect(metaSummary("video", { width: 64, height: 48, duration: 1.5 }, 5173)).toBe(
      "Video · 64×48 · 1.5 s · 5.1 KiB",
    );
    expect(metaSummary("video", { width: null, height: null, duration: null }, 10)).toBe("Video · 10 B");
    expect(metaSummary("voice", { duration: 3.25 }, 2048)).toBe("Voice note · 3.3 s · 2 KiB");
    expect(metaSummary("file", { width: 5, height: 5 }, 593)).toBe("File · 593 B");
  });

  it("cleanValues keeps what the kernel can use, null for the rest", () => {
    expect(cleanValues("image", { width: 64, height: 48, duration: 3 })).toEqual({ width: 64, height: 48 });
    expect(cleanValues("video", { width: 0, height: 1.5, duration: NaN })).toEqual({
      width: null,
      height: null,
      duration: null,
    });
    expect(cleanValues("audio", { duration: Infinity })).toEqual({ duration: null });
    expect(cleanValues("file", { width: 3 })).toEqual({});
  });

  it("recording names and the drop zone hint", () => {
    const at = new Date(2026, 10, 28, 14, 30, 5);
    expect(recordingName("audio/webm;codecs=opus", at)).toBe("voice-2026-11-28-143005.webm");
    expect(recordingName("audio/ogg", at)).toBe("voice-2026-11-28-143005.ogg");
    expect(recordingName("audio/mp4", at)).toBe("voice-2026-11-28-143005.m4a");
    expect(zoneHint("", 0)).toBe("Any file");
    expect(zoneHint("image/*,.pdf", 10 * 1024 * 1024)).toBe("Images, .pdf · up to 10 MiB");
    // no limit in bytes: the reason is said instead of leaving the limit out silently
    expect(zoneHint("", 0, "TalkJS does not publish its upload size limit")).toBe(
      "Any file · TalkJS does not publish its upload size limit",
    );
  });
});
