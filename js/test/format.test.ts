import { describe, expect, it } from "vitest";
import {
  avatarUrl,
  badgeText,
  hueOf,
  initialsOf,
  messageText,
  previewOf,
  relativeTime,
  safeUrl,
  titleOf,
  toMillis,
} from "../src/format";
import type { Conversation, MessageSnapshot } from "../src/types";

const msg = (over: Partial<MessageSnapshot> = {}): MessageSnapshot => ({
  id: "m1",
  type: "UserMessage",
  sender: { id: "alice", name: "Alice" },
  plaintext: "hello",
  created_at: 0,
  content: [{ type: "text", children: ["hello"] }],
  ...over,
});
const file = (subtype: null | "image" | "video" | "audio" | "voice", filename = "a.bin") =>
  msg({ plaintext: "", content: [{ type: "file", subtype, filename, size: 1, url: "https://x/y" }] });

describe("message preview", () => {
  it.each([
    [msg(), "hello"],
    [file("image"), "Image"],
    [file("video"), "Video"],
    [file("audio"), "Audio"],
    [file("voice"), "Voice message"],
    [file(null, "report.pdf"), "File: report.pdf"],
    [msg({ plaintext: "", content: [{ type: "location", latitude: 1, longitude: 2 }] }), "Location"],
    [msg({ plaintext: "multi\n\nline   text" }), "multi line text"],
  ])("%#", (m, expected) => expect(messageText(m)).toBe(expected));

  const one: Conversation = { id: "c", participants: [{ id: "alice", name: "Alice" }] };
  const group: Conversation = {
    id: "g",
    participants: [
      { id: "alice", name: "Alice" },
      { id: "bob", name: "Bob" },
    ],
  };
  it("prefixes the sender in groups, 'You' for the current user, nothing in 1:1", () => {
    expect(previewOf({ ...group, last_message: msg() }, "me").prefix).toBe("Alice: ");
    expect(previewOf({ ...one, last_message: msg() }, "me").prefix).toBe("");
    const mine = msg({ sender: { id: "me", name: "Me" } });
    expect(previewOf({ ...one, last_message: mine }, "me").prefix).toBe("You: ");
    expect(previewOf({ ...group, last_message: mine }, "me").prefix).toBe("You: ");
    expect(previewOf({ ...group, last_message: msg({ type: "SystemMessage", sender: null }) }, "me").prefix).toBe("");
    expect(previewOf({ ...group, last_message: null }, "me")).toMatchObject({ empty: true });
  });

  it("titles, avatars and initials", () => {
    expect(titleOf({ ...group, subject: "Team" })).toBe("Team");
    expect(titleOf(group)).toBe("Alice, Bob");
    expect(titleOf({ id: "x" })).toBe("Untitled conversation");
    expect(initialsOf(group)).toBe("AB");
    expect(initialsOf({ id: "x", participants: [{ id: "z", name: "Zoë Smith" }] })).toBe("ZS");
    expect(avatarUrl({ ...one, photo_url: "https://p/c.png" })).toBe("https://p/c.png");
    expect(avatarUrl({ id: "c", participants: [{ id: "a", photo_url: "https://p/a.png" }] })).toBe("https://p/a.png");
    expect(avatarUrl({ ...group, participants: [{ id: "a", photo_url: "https://p/a.png" }, { id: "b" }] })).toBeNull();
    expect(safeUrl("javascript:alert(1)")).toBeNull();
  });

  it("spreads avatar colours over neighbouring ids", () => {
    const hues = new Set(Array.from({ length: 20 }, (_, i) => hueOf(`c${i}`)));
    expect(hues.size).toBeGreaterThan(8);
    expect(hueOf("c1")).toBe(hueOf("c1"));
  });

  it("badge text", () => {
    expect(badgeText(0)).toBe("");
    expect(badgeText(null)).toBe("");
    expect(badgeText(7)).toBe("7");
    expect(badgeText(99)).toBe("99");
    expect(badgeText(100)).toBe("99+");
  });
});

describe("relative time", () => {
  const now = new Date(2026, 10, 28, 12, 0, 0).getTime(); // Sat 28 Nov 2026
  it.each([
    [now - 10_000, "now"],
    [now + 5_000, "now"],
    [now - 5 * 60_000, "5m"],
    [now - 3 * 3_600_000, "3h"],
    [new Date(2026, 10, 23, 9).getTime(), "Mon"],
    [new Date(2026, 2, 12, 9).getTime(), "12 Mar"],
    [new Date(2024, 2, 12, 9).getTime(), "12 Mar 2024"],
  ])("%#", (ms, label) => expect(relativeTime(ms, now)).toBe(label));
  it("parses ms, seconds and ISO strings", () => {
    expect(toMillis(1_700_000_000_000)).toBe(1_700_000_000_000);
    expect(toMillis(1_700_000_000)).toBe(1_700_000_000_000);
    expect(toMillis("2026-01-01T00:00:00Z")).toBe(Date.UTC(2026, 0, 1));
    expect(toMillis(null)).toBeNull();
    expect(relativeTime(null, now)).toBe("");
  });
});
