/** Pure helpers of the Chatbox view: days, times, grouping, file sizes, titles (no DOM). */
import type { ConversationHeader, Message, Participant, Person, Quote } from "./chatbox_types";

/** Messages of one sender closer than this stay in one group (one avatar, one name). */
export const GROUP_GAP_MS = 5 * 60_000;

const pad = (n: number) => String(n).padStart(2, "0");

/** "14:05" in local time. */
export function clock(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function dayStart(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

export function sameDay(a: number, b: number): boolean {
  return dayStart(a) === dayStart(b);
}

let dayFormat: Intl.DateTimeFormat | undefined;
let yearDayFormat: Intl.DateTimeFormat | undefined;
let fullFormat: Intl.DateTimeFormat | undefined;

/** "Today", "Yesterday", "Monday 3 March", "3 March 2024". */
export function dayLabel(ms: number, now: number = Date.now()): string {
  const days = Math.round((dayStart(now) - dayStart(ms)) / 86_400_000);
  if (days === 0) return "Today";
  if (days === 1) return "Yesterday";
  if (new Date(ms).getFullYear() === new Date(now).getFullYear()) {
    dayFormat ??= new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long" });
    return dayFormat.format(ms);
  }
  yearDayFormat ??= new Intl.DateTimeFormat(undefined, { day: "numeric", month: "long", year: "numeric" });
  return yearDayFormat.format(ms);
}

/** The full date and time, for tooltips. */
export function fullTime(ms: number): string {
  fullFormat ??= new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" });
  return fullFormat.format(ms);
}

/** Whether `b` continues the group of `a` (same sender, same day, close in time, both user messages). */
export function sameGroup(a: Message | undefined, b: Message | undefined): boolean {
  if (!a || !b || a.type !== "UserMessage" || b.type !== "UserMessage") return false;
  if (!a.sender || !b.sender || a.sender.id !== b.sender.id) return false;
  return b.created_at - a.created_at < GROUP_GAP_MS && sameDay(a.created_at, b.created_at);
}

export function nameOf(p: Person | null | undefined): string {
  const name = (p?.name || p?.id || "").trim();
  return name || "Someone";
}

/** Up to two initials of a name. */
export function initials(name: string): string {
  const words = name.split(/[\s,]+/).filter(Boolean);
  return (
    words
      .slice(0, 2)
      .map((w) => Array.from(w)[0]!.toUpperCase())
      .join("") || "?"
  );
}

/** "1:05" (minutes:seconds), "1:02:03" past an hour; "" when unknown. */
export function duration(seconds: number | null | undefined): string {
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) return "";
  const s = Math.round(seconds);
  const hours = Math.floor(s / 3600);
  const mins = Math.floor((s % 3600) / 60);
  return hours ? `${hours}:${pad(mins)}:${pad(s % 60)}` : `${mins}:${pad(s % 60)}`;
}

/** "512 B", "1.5 KB", "23 MB" (decimal units, as file managers show downloads). */
export function fileSize(bytes: number | null | undefined): string {
  if (typeof bytes !== "number" || !Number.isFinite(bytes) || bytes < 0) return "";
  if (bytes < 1000) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = bytes / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** The extension of a filename in capitals ("PDF"), at most 5 letters; "" when there is none. */
export function extension(name: string | null | undefined): string {
  const m = /\.([A-Za-z0-9]{1,5})$/.exec(name || "");
  return m ? m[1]!.toUpperCase() : "";
}

/** What a file is, in words (quotes, previews). */
export function fileLabel(f: { subtype: string | null; filename?: string | null } | null | undefined): string {
  switch (f?.subtype) {
    case "image":
      return "Photo";
    case "video":
      return "Video";
    case "audio":
      return "Audio";
    case "voice":
      return "Voice message";
    default:
      return f?.filename || "File";
  }
}

/** The text a quote shows: its text, else what kind of file it is. */
export function quoteText(q: Quote): string {
  const text = (q.plaintext || "").replace(/\s+/g, " ").trim();
  return text || (q.file ? fileLabel(q.file) : "Message");
}

/** Subject, else the other participants' names ("Alice, Bob and 3 others"). */
export function titleOf(c: ConversationHeader, others: Participant[]): string {
  const subject = typeof c.subject === "string" ? c.subject.trim() : "";
  if (subject) return subject;
  if (!others.length) return c.id ? "Conversation" : "";
  return peopleList(others, Math.max(0, (c.participant_count ?? 0) - 1));
}

/** "Alice", "Alice and Bob", "Alice, Bob and 3 others" (at most three names). */
export function peopleList(people: Person[], total: number = people.length): string {
  const names = people.slice(0, 3).map(nameOf);
  const rest = Math.max(total, people.length) - names.length;
  if (rest > 0) return `${names.join(", ")} and ${rest} ${rest === 1 ? "other" : "others"}`;
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/** "Alice is typing", "Alice and Bob are typing", "Several people are typing". */
export function typingText(many: boolean, users: Person[]): string {
  if (many) return "Several people are typing";
  if (!users.length) return "";
  return `${peopleList(users)} ${users.length === 1 ? "is" : "are"} typing`;
}
