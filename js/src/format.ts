/** Pure formatting helpers for the conversation list (no DOM). */
import type { ContentBlock, Conversation, MessageSnapshot, Participant, Timestamp } from "./types";

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Milliseconds since the epoch, or null. Numbers are Unix ms (values below 1e11 are taken as seconds); strings are ISO 8601. */
export function toMillis(ts: Timestamp): number | null {
  if (typeof ts === "number" && Number.isFinite(ts)) return ts < 1e11 ? ts * 1000 : ts;
  if (typeof ts === "string" && ts) {
    const ms = Date.parse(ts);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}

/** "now", "5m", "3h", "Mon" (within a week), "12 Mar" (this year), "12 Mar 2024" (older); "" when unknown. */
export function relativeTime(ms: number | null, now: number = Date.now()): string {
  if (ms === null) return "";
  const diff = now - ms;
  if (diff < 60_000) return "now"; // also clock skew (slightly in the future)
  if (diff < 3_600_000) return `${Math.floor(diff / 60_000)}m`;
  if (diff < 86_400_000) return `${Math.floor(diff / 3_600_000)}h`;
  const d = new Date(ms);
  if (diff < 6 * 86_400_000) return WEEKDAYS[d.getDay()]!;
  const label = `${d.getDate()} ${MONTHS[d.getMonth()]}`;
  return d.getFullYear() === new Date(now).getFullYear() ? label : `${label} ${d.getFullYear()}`;
}

/** Last activity of a conversation: its last message, else when it was created. */
export function activityMillis(c: Conversation): number | null {
  return toMillis(c.last_message?.created_at) ?? toMillis(c.created_at);
}

export function others(c: Conversation): Participant[] {
  return Array.isArray(c.participants) ? c.participants : [];
}

export function isGroup(c: Conversation): boolean {
  return others(c).length > 1;
}

/** Subject, else the other participants' names joined with ", ". */
export function titleOf(c: Conversation): string {
  const subject = typeof c.subject === "string" ? c.subject.trim() : "";
  if (subject) return subject;
  const names = others(c)
    .map((p) => (p.name || p.id || "").trim())
    .filter(Boolean);
  return names.length ? names.join(", ") : "Untitled conversation";
}

/** Conversation photo, else the other participant's photo in a 1:1 conversation, else null. */
export function avatarUrl(c: Conversation): string | null {
  const own = safeUrl(c.photo_url);
  if (own) return own;
  const ps = others(c);
  return ps.length === 1 ? safeUrl(ps[0]!.photo_url) : null;
}

/** Only http(s), data:image, and blob URLs are used as image sources. */
export function safeUrl(url: string | null | undefined): string | null {
  if (typeof url !== "string") return null;
  const u = url.trim();
  return /^(https?:|blob:|data:image\/)/i.test(u) || /^\/(?!\/)/.test(u) ? u : null;
}

/** Up to two letters: the first letters of the first two words of the title (or of the only other participant's name). */
export function initialsOf(c: Conversation): string {
  const ps = others(c);
  const source = !c.subject && ps.length === 1 ? ps[0]!.name || ps[0]!.id : titleOf(c);
  const words = (source || "?").split(/[\s,]+/).filter(Boolean);
  const letters = words.slice(0, 2).map((w) => Array.from(w)[0]!.toUpperCase());
  return letters.join("") || "?";
}

/** Hues that keep white initials readable (no yellows or light greens). */
const AVATAR_HUES = [0, 14, 26, 150, 165, 180, 195, 210, 222, 236, 250, 264, 280, 296, 312, 330, 345];

/** A stable hue per id, for the initials avatar (FNV-1a with a final mix, so c1/c2 differ a lot). */
export function hueOf(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return AVATAR_HUES[(h >>> 0) % AVATAR_HUES.length]!;
}

function fileLabel(b: Extract<ContentBlock, { type: "file" }>): string {
  switch (b.subtype) {
    case "image":
      return "Image";
    case "video":
      return "Video";
    case "audio":
      return "Audio";
    case "voice":
      return "Voice message";
    default:
      return b.filename ? `File: ${b.filename}` : "File";
  }
}

/** The preview text of a message, by kind: plaintext, "Image", "Voice message", "File: a.pdf", "Location"... */
export function messageText(m: MessageSnapshot): string {
  const blocks = Array.isArray(m.content) ? m.content : [];
  const plain = (m.plaintext || "").replace(/\s+/g, " ").trim();
  const media = blocks.find((b) => b && (b.type === "file" || b.type === "location"));
  const hasText = blocks.length === 0 || blocks.some((b) => b && b.type === "text");
  if (hasText && plain) return plain;
  if (media) return media.type === "location" ? "Location" : fileLabel(media);
  return plain;
}

/** "You: " for the current user, "Name: " for others in group conversations, "" otherwise. */
export function senderPrefix(c: Conversation, m: MessageSnapshot, currentUserId: string): string {
  if (!m.sender || m.type === "SystemMessage") return "";
  if (currentUserId && m.sender.id === currentUserId) return "You: ";
  if (isGroup(c)) return `${(m.sender.name || m.sender.id || "Someone").trim()}: `;
  return "";
}

export interface Preview {
  prefix: string;
  text: string;
  system: boolean;
  empty: boolean;
}

export function previewOf(c: Conversation, currentUserId: string): Preview {
  const m = c.last_message;
  if (!m) return { prefix: "", text: "No messages yet", system: false, empty: true };
  return {
    prefix: senderPrefix(c, m, currentUserId),
    text: messageText(m),
    system: m.type === "SystemMessage",
    empty: false,
  };
}

export function badgeText(count: number | null | undefined): string {
  const n = typeof count === "number" && Number.isFinite(count) ? Math.max(0, Math.floor(count)) : 0;
  return n === 0 ? "" : n > 99 ? "99+" : String(n);
}
