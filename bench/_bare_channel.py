"""The bare channel widget of comm_channel.py, as notebook code: chunks in, acks out, nothing else."""

BARE_ESM = r"""
export default {
  render({ model, el }) {
    el.classList.add("tw-bare");
    window.__twBare = model; // for one-off latency probes from the bench
    el.dataset.state = "idle";
    const input = document.createElement("input");
    input.type = "file";
    input.className = "tw-bare-input";
    el.append(input);
    const inbox = [];
    let wake = null;
    const onMsg = (m) => { inbox.push(m); if (wake) { const w = wake; wake = null; w(); } };
    model.on("msg:custom", onMsg);
    const next = async () => { while (!inbox.length) await new Promise((r) => { wake = r; }); return inbox.shift(); };
    input.addEventListener("change", async () => {
      const file = input.files[0];
      if (!file) return;
      el.dataset.state = "sending";
      const id = `b${Date.now()}`;
      model.send({ op: "begin", id, size: file.size });
      const ready = await next();
      const chunk = ready.chunk_size, win = ready.window, total = Math.ceil(file.size / chunk);
      let seq = 0, acked = 0;
      while (acked < total) {
        while (seq < total && seq - acked < win) {
          const offset = seq * chunk;
          const bytes = await file.slice(offset, Math.min(file.size, offset + chunk)).arrayBuffer();
          model.send({ op: "chunk", id, seq, offset }, undefined, [bytes]);
          seq++;
        }
        await next();
        acked++;
      }
      model.send({ op: "end", id });
      input.value = "";
      el.dataset.state = "done";
    });
    return () => model.off("msg:custom", onMsg);
  },
};
"""

BARE_SETUP = f'''\
import anywidget, time

class BareChannel(anywidget.AnyWidget):
    """Chunks in, acks out, on the thread the message arrives on; the bytes are only counted."""
    _esm = {BARE_ESM!r}

    def __init__(self):
        super().__init__()
        self.chunk_size, self.window = 1024 * 1024, 4
        self._size = self._received = 0
        self.on_msg(self._on_msg)

    def _on_msg(self, _widget, content, buffers):
        op = content.get("op")
        if op == "begin":
            self._size, self._received = content["size"], 0
            self.send({{"op": "ready", "chunk_size": self.chunk_size, "window": self.window}})
        elif op == "chunk":
            self._received += memoryview(buffers[0]).nbytes
            self.send({{"op": "ack", "seq": content["seq"], "received": self._received}})
            if self._received == self._size:
                events.append({{"ev": "token", "t": time.time(), "name": "bare", "size": self._received}})
'''

BARE_CELL = "bare = BareChannel()\nbare\n"
BARE_INPUT = ".jp-OutputArea-output .tw-bare .tw-bare-input"
