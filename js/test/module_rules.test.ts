// @vitest-environment node
/// <reference types="vite/client" />
// Rules of the source tree that no single module test would notice being broken.
import { describe, expect, it } from "vitest";

// The sources as text (Vite's glob import, resolved when the test is transformed).
const texts: Record<string, string> = import.meta.glob("../src/*.ts", {
  query: "?raw",
  import: "default",
  eager: true,
});
const sources = Object.entries(texts).map(([path, text]) => ({ name: path.split("/").pop()!, text }));

function localImports(text: string): string[] {
  return [...text.matchAll(/from "\.\/([\w-]+)"/g)].map((m) => `${m[1]}.ts`);
}

describe("js/src", () => {
  it("has the modules this test reads", () => {
    expect(sources.map((s) => s.name)).toEqual(expect.arrayContaining(["uploader.ts", "patch_client.ts", "dom.ts"]));
  });

  it("never parses strings as HTML (chat data reaches the DOM as text nodes only)", () => {
    const sinks = /\b(innerHTML|outerHTML|insertAdjacentHTML|createContextualFragment|DOMParser)\b|document\.write/;
    expect(sources.filter((s) => sinks.test(s.text)).map((s) => s.name)).toEqual([]);
  });

  it("keeps every module under 500 lines", () => {
    const long = sources.filter((s) => s.text.split("\n").length > 500).map((s) => s.name);
    expect(long).toEqual([]);
  });

  it("has no import cycles", () => {
    const graph = new Map(sources.map((s) => [s.name, localImports(s.text)]));
    const cycles: string[] = [];
    const visit = (name: string, path: string[]) => {
      for (const next of graph.get(name) ?? []) {
        if (path.includes(next)) cycles.push([...path, next].join(" -> "));
        else visit(next, [...path, next]);
      }
    };
    for (const name of graph.keys()) visit(name, [name]);
    expect(cycles).toEqual([]);
  });

  it("keeps the uploader, the patch client and what they use free of the DOM", () => {
    const domFree = [
      "uploader.ts",
      "upload_rows.ts",
      "upload_core.ts",
      "patch_client.ts",
      "list_sync.ts",
      "widget_model.ts",
    ];
    const dom = /(?<![.\w])(document|Node|Element|HTML\w*Element|SVG\w*Element)\b/;
    for (const name of domFree) {
      const text = sources.find((s) => s.name === name)?.text ?? "";
      const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ""); // comments may mention the DOM
      expect(dom.test(code), name).toBe(false);
      for (const dep of localImports(text)) expect(domFree, `${name} imports ${dep}`).toContain(dep);
    }
  });
});
