import { describe, expect, it } from "vitest";
import { FileUrls, fitBox } from "../src/chatbox_files";
import { duration, extension, fileSize, peopleList, sameGroup, titleOf, typingText } from "../src/chatbox_format";
import type { Message } from "../src/chatbox_types";

const at = (id: string, sender: string | null, ms: number, type: Message["type"] = "UserMessage"): Message => ({
  id,
  type,
  sender: sender ? { id: sender, name: sender } : null,
  created_at: ms,
});

describe("chatbox_format", () => {
  it("groups one sender's messages that are close in time", () => {
    const t = Date.UTC(2026, 0, 5, 12);
    expect(sameGroup(at("a", "ana", t), at("b", "ana", t + 60_000))).toBe(true);
    expect(sameGroup(at("a", "ana", t), at("b", "bob", t + 1000))).toBe(false);
    expect(sameGroup(at("a", "ana", t), at("b", "ana", t + 6 * 60_000))).toBe(false);
    expect(sameGroup(at("a", null, t, "SystemMessage"), at("b", "ana", t))).toBe(false);
  });

  it("words people, sizes and durations", () => {
    const p = (n: string) => ({ id: n, name: n });
    expect(peopleList([p("A")])).toBe("A");
    expect(peopleList([p("A"), p("B")])).toBe("A and B");
    expect(peopleList([p("A"), p("B"), p("C"), p("D")], 300)).toBe("A, B, C and 297 others");
    expect(titleOf({ id: "c", subject: "  " }, [p("Ana")])).toBe("Ana");
    expect(typingText(false, [p("Ana"), p("Bo")])).toBe("Ana and Bo are typing");
    expect(typingText(true, [])).toBe("Several people are typing");
    expect(fileSize(482_133)).toBe("482 KB");
    expect(fileSize(1_500)).toBe("1.5 KB");
    expect(duration(75.4)).toBe("1:15");
    expect(duration(3723)).toBe("1:02:03");
    expect(duration(null)).toBe("");
    expect(extension("report.final.PDF")).toBe("PDF");
    expect(extension("noext")).toBe("");
  });
});

describe("chatbox_files", () => {
  it("fits media into the bubble box and keeps their shape", () => {
    expect(fitBox(800, 600)).toEqual({ width: 320, height: 240 });
    expect(fitBox(100, 1000)).toEqual({ width: 32, height: 320 });
    expect(fitBox(100_000, 3)).toEqual({ width: 320, height: 1 });
    expect(fitBox(null, 3)).toBeNull();
  });

  it("asks for URLs in batches and keeps only http(s) and blob ones", async () => {
    const sent: Array<Record<string, unknown>> = [];
    const urls = new FileUrls((m) => sent.push(m));
    const got: Array<(string | null)[]> = [];
    urls.get("m1", (u) => got.push(u));
    urls.get("m2", (u) => got.push(u));
    urls.get("m1", (u) => got.push(u));
    await new Promise((r) => setTimeout(r, 50));
    expect(sent).toEqual([{ op: "files", ids: ["m1", "m2"] }]);
    urls.take({ m1: ["https://x/a.png", "javascript:alert(1)", null], m2: "nonsense" });
    expect(got).toEqual([
      ["https://x/a.png", null, null],
      ["https://x/a.png", null, null],
    ]);
    urls.dispose();
  });
});
