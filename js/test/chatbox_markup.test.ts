import { describe, expect, it, vi } from "vitest";
import { renderNodes, safeHref } from "../src/chatbox_markup";

function render(nodes: unknown[], onAction: ((a: string, p: Record<string, string>) => void) | null = null) {
  const el = document.createElement("div");
  renderNodes(el, nodes, onAction);
  return el;
}

describe("safeHref", () => {
  it.each([
    ["https://example.com/a?b=c", "https://example.com/a?b=c"],
    ["HTTP://EXAMPLE.COM", "HTTP://EXAMPLE.COM"],
    ["mailto:a@b.c", "mailto:a@b.c"],
    ["tel:+4912345", "tel:+4912345"],
    ["  https://x.y  ", "https://x.y"],
    ["javascript:alert(1)", null],
    [" JaVaScRiPt:alert(1)", null],
    ["data:text/html,<b>", null],
    ["vbscript:x", null],
    ["//evil.example", null],
    ["https://a.b/\u0000x", null],
    ["https://a.b/ x", null],
    [42, null],
  ])("%j -> %j", (url, expected) => {
    expect(safeHref(url)).toBe(expected);
  });
});

describe("renderNodes", () => {
  it("renders TalkJS nodes as elements and strings as text", () => {
    const el = render([
      { type: "bold", children: ["b", { type: "italic", children: ["i"] }] },
      { type: "strikethrough", children: ["s"] },
      { type: "codeSpan", text: "<x>" },
      { type: "bulletList", children: [{ type: "bulletPoint", children: ["one"] }] },
      { type: "mention", id: "u1", text: "@Ana" },
      { type: "customEmoji", text: ":party:" },
      "<script>alert(1)</script>",
    ]);
    expect(el.querySelector("strong > em")?.textContent).toBe("i");
    expect(el.querySelector("s")?.textContent).toBe("s");
    expect(el.querySelector("code")?.textContent).toBe("<x>");
    expect(el.querySelector("ul > li")?.textContent).toBe("one");
    expect(el.querySelector(".tw-cb-mention")?.getAttribute("data-user-id")).toBe("u1");
    expect(el.querySelector("script")).toBeNull();
    expect(el.textContent).toContain("<script>alert(1)</script>");
  });

  it("links only to safe URLs, in a new tab without referrer or opener", () => {
    const el = render([
      { type: "link", url: "https://ok.example", children: ["ok"] },
      { type: "autoLink", url: "javascript:alert(1)", text: "bad" },
    ]);
    const links = el.querySelectorAll("a");
    expect(links).toHaveLength(1);
    expect(links[0]!.getAttribute("href")).toBe("https://ok.example");
    expect(links[0]!.rel).toBe("noopener noreferrer nofollow");
    expect(el.querySelector(".tw-cb-link--unsafe")?.textContent).toBe("bad");
  });

  it("makes action buttons call back, or shows them inert", () => {
    const onAction = vi.fn();
    const node = { type: "actionButton", action: "buy", params: { sku: 7 }, children: ["Buy"] };
    render([node]).querySelector("button")!.click();
    const live = render([node], onAction).querySelector("button")!;
    live.click();
    expect(onAction).toHaveBeenCalledWith("buy", { sku: "7" });
    expect(render([node]).querySelector("button")!.disabled).toBe(true);
  });

  it("shows unknown nodes and very deep nesting as their text", () => {
    let deep: unknown = "deep";
    for (let i = 0; i < 20_000; i++) deep = { type: "italic", children: [deep] };
    const el = render([{ type: "future", text: "t" }, deep]);
    expect(el.textContent).toBe("tdeep");
    expect(el.querySelectorAll("em").length).toBeLessThan(30);
  });
});
