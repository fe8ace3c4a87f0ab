import { afterEach, describe, expect, it, vi } from "vitest";
import { KeyedRows, lisMembers } from "../src/keyed_rows";
import { attachPatchClient, listOf } from "../src/patch_client";
import { fakeModelOf } from "./fake_model";

interface Item {
  id: string;
  v: number;
}
interface Row {
  el: HTMLElement;
  item: Item | null;
}

function setup() {
  const container = document.createElement("div");
  const created: string[] = [];
  const removed: string[] = [];
  let updates = 0;
  const rows = new KeyedRows<Item, Row>(container, {
    create: (id) => {
      created.push(id);
      const el = document.createElement("div");
      el.dataset.id = id;
      return { el, item: null };
    },
    update: (row, item) => {
      updates++;
      row.item = item;
      row.el.textContent = String(item.v);
    },
    removed: (row) => removed.push(row.el.dataset.id!),
  });
  const moves = vi.spyOn(container, "insertBefore");
  return {
    container,
    rows,
    created,
    removed,
    moves,
    updates: () => updates,
    ids: () => [...container.children].map((el) => (el as HTMLElement).dataset.id),
  };
}
const items = (ids: string, v = 0): Item[] => [...ids].map((id) => ({ id, v }));

const stops: Array<() => void> = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

describe("lisMembers", () => {
  it.each([
    [[], []],
    [
      [0, 1, 2],
      [0, 1, 2],
    ],
    [[2, 1, 0], [2]],
    [
      [4, 0, 1, 2, 3],
      [1, 2, 3, 4],
    ],
    [
      [1, -1, 2, 0, 3],
      [0, 2, 4],
    ],
  ])("%j keeps positions %j", (seq, kept) => {
    expect([...lisMembers(seq)].sort((a, b) => a - b)).toEqual(kept);
  });
});

describe("KeyedRows", () => {
  it("creates, updates and removes rows by id, keeping the elements of items that stay", () => {
    const t = setup();
    expect(t.rows.show(items("abc", 1))).toBe(true);
    expect(t.ids()).toEqual(["a", "b", "c"]);
    const b = t.rows.get("b")!.el;
    expect(t.rows.show(items("bd", 2))).toBe(true);
    expect(t.ids()).toEqual(["b", "d"]);
    expect(t.container.children[0]).toBe(b);
    expect(b.textContent).toBe("2");
    expect(t.created).toEqual(["a", "b", "c", "d"]);
    expect(t.removed.sort()).toEqual(["a", "c"]);
    expect(t.rows.size).toBe(2);
  });

  it("the same list again does nothing", () => {
    const t = setup();
    const list = items("ab");
    t.rows.show(list);
    const updates = t.updates();
    expect(t.rows.show(list)).toBe(false);
    expect(t.updates()).toBe(updates);
  });

  it("moves as few rows as possible when reconciling", () => {
    const t = setup();
    t.rows.show(items("abcdef"));
    t.moves.mockClear();
    t.rows.show(items("fabcde")); // one row moved to the top
    expect(t.ids()).toEqual([..."fabcde"]);
    expect(t.moves).toHaveBeenCalledTimes(1);
    t.moves.mockClear();
    t.rows.show(items("fedcba")); // from f,a,b,c,d,e: f and one other row stay
    expect(t.ids()).toEqual([..."fedcba"]);
    expect(t.moves).toHaveBeenCalledTimes(4);
  });

  it("skips malformed and repeated items", () => {
    const t = setup();
    const bad = [{ id: "a", v: 1 }, null, { v: 2 }, { id: "b", v: 3 }, { id: "a", v: 4 }] as unknown as Item[];
    t.rows.show(bad);
    expect(t.ids()).toEqual(["a", "b"]);
  });

  it("follows a patched list by replaying the patch, and reconciles anything else", () => {
    const model = fakeModelOf({ items: items("abcd"), seq: 0 });
    stops.push(attachPatchClient(model, { list: "items", seq: "seq" }));
    const t = setup();
    const show = () => t.rows.show(listOf<Item>(model, "items"));
    show();
    t.moves.mockClear();
    // Re-putting "a" where it already is: a replay moves its row once, a reconcile would not move anything.
    model.deliver({ op: "patch", seq: 1, ops: [{ t: "put", at: 0, c: { id: "a", v: 9 } }] });
    show();
    expect(t.moves).toHaveBeenCalledTimes(1);
    expect(t.ids()).toEqual([..."abcd"]);
    expect(t.rows.get("a")!.el.textContent).toBe("9");

    model.deliver({
      op: "patch",
      seq: 2,
      ops: [
        { t: "del", id: "c" },
        { t: "put", at: 1, c: { id: "e", v: 1 } },
        { t: "put", at: 3, c: { id: "a", v: 2 } },
      ],
    });
    show();
    expect(t.ids()).toEqual(listOf<Item>(model, "items").map((i) => i.id));
    expect(t.ids()).toEqual([..."ebda"]);

    // A view that missed a patch (it shows an older list) reconciles instead.
    const late = setup();
    late.rows.show(items("abcd"));
    late.moves.mockClear();
    model.deliver({ op: "patch", seq: 3, ops: [{ t: "put", at: 0, c: { id: "e", v: 5 } }] });
    late.rows.show(listOf<Item>(model, "items"));
    expect(late.ids()).toEqual([..."ebda"]);
    expect(late.removed).toEqual(["c"]);
  });
});
