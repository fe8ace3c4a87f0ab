import { describe, expect, it } from "vitest";
import { applyOps, ListSyncError } from "../src/list_sync";
import type { Conversation } from "../src/types";
import cases from "./apply_ops_cases.json";

interface Case {
  name: string;
  old: Conversation[];
  ops: unknown[];
  new?: Conversation[];
  error?: boolean;
}

describe("applyOps mirrors talkwidgets/widgets/_list_sync.py::apply_ops", () => {
  for (const c of cases as Case[]) {
    it(c.name, () => {
      const before = JSON.stringify(c.old);
      if (c.error) {
        expect(() => applyOps(c.old, c.ops)).toThrow(ListSyncError);
      } else {
        expect(applyOps(c.old, c.ops)).toEqual(c.new);
      }
      expect(JSON.stringify(c.old)).toBe(before); // input untouched
    });
  }

  it("keeps the identity of untouched conversations", () => {
    const a = { id: "a" };
    const b = { id: "b" };
    const out = applyOps([a, b], [{ t: "put", at: 0, c: { id: "b", subject: "x" } }]);
    expect(out[1]).toBe(a);
  });
});
