import { describe, expect, it } from "vitest";
import { CHUNK, ChunkedRows } from "../src/chunked_rows";
import { KeyedRows } from "../src/keyed_rows";

interface Item {
  id: string;
}

function setup() {
  const el = document.createElement("div");
  const slots = new ChunkedRows(el, "chunk");
  const rows = new KeyedRows<Item, { el: HTMLElement }>(slots, {
    create: (id) => {
      const row = document.createElement("p");
      row.dataset.id = id;
      return { el: row };
    },
    update: () => {},
  });
  const ids = () => slots.elements().map((e) => (e as HTMLElement).dataset.id);
  const sizes = () => Array.from(el.children, (c) => c.childElementCount);
  return { el, slots, rows, ids, sizes };
}

const items = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ({ id: `m${from + i}` }));

describe("ChunkedRows", () => {
  it("keeps many rows in order, in blocks of at most CHUNK, answering index and neighbour questions", () => {
    const t = setup();
    const list = items(0, 3 * CHUNK + 5);
    t.rows.show(list);
    expect(t.ids()).toEqual(list.map((i) => i.id));
    expect(t.slots.count).toBe(list.length);
    expect(Math.max(...t.sizes())).toBeLessThanOrEqual(CHUNK);
    expect(t.el.children.length).toBe(4);
    const at = t.slots.at(CHUNK) as HTMLElement;
    expect(at.dataset.id).toBe(`m${CHUNK}`);
    expect((t.slots.prev(at) as HTMLElement).dataset.id).toBe(`m${CHUNK - 1}`);
    expect((t.slots.next(t.slots.prev(at)!) as HTMLElement).dataset.id).toBe(`m${CHUNK}`);
    expect((t.slots.first() as HTMLElement).dataset.id).toBe("m0");
    expect((t.slots.last() as HTMLElement).dataset.id).toBe(list.at(-1)!.id);
    expect(t.slots.at(list.length)).toBeNull();
  });

  it("appends and prepends (older messages) without moving the rows already shown", () => {
    const t = setup();
    let list = items(100, 100 + CHUNK);
    t.rows.show(list);
    const kept = [...t.slots.elements()];
    const parents = kept.map((e) => e.parentElement);
    for (let n = 0; n < 3 * CHUNK; n++) {
      list = [...list, { id: `m${100 + CHUNK + n}` }];
      t.rows.show(list);
    }
    list = [...items(0, 100), ...list];
    t.rows.show(list);
    expect(t.ids()).toEqual(list.map((i) => i.id));
    expect(kept.map((e) => e.parentElement)).toEqual(parents);
    expect(Math.max(...t.sizes())).toBeLessThanOrEqual(CHUNK);
  });

  it("removes rows and the blocks they empty, and reorders", () => {
    const t = setup();
    const list = items(0, 2 * CHUNK);
    t.rows.show(list);
    const rest = [...list.slice(CHUNK)].reverse();
    t.rows.show(rest);
    expect(t.ids()).toEqual(rest.map((i) => i.id));
    expect(t.slots.count).toBe(CHUNK);
    expect(t.sizes().every((n) => n > 0)).toBe(true);
    t.rows.show([]);
    expect(t.el.children.length).toBe(0);
    expect(t.slots.count).toBe(0);
  });
});
