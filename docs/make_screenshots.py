"""Render the widget bundles in headless Chromium and save docs screenshots.

    .venv/bin/python -m docs.make_screenshots   # docs/img/{conversation_list,chatbox,inbox}_{light,dark}.png

Uses the browser-test harness (tests/browser_support.py) on the built bundle in
talkwidgets/static/ (build it first: `pip install -e .` or `cd js && npm run build`).
The themes are JupyterLab's own variables, read from the installed JupyterLab theme
CSS when available (falling back to a small built-in set), applied to the container.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.browser_support import ORIGIN, STATIC, conversation_list_state, launch_browser, mount, open_harness

ROOT = Path(__file__).resolve().parent.parent

OUT = ROOT / "docs" / "img"
NOW_MS = 1_795_860_000_000  # a fixed "now" (Sat 28 Nov 2026, 10:00 UTC), so the times are stable
MIN, HOUR, DAY = 60_000, 3_600_000, 86_400_000

FALLBACK_THEMES = {
    "light": {
        "--jp-layout-color0": "#fff",
        "--jp-layout-color1": "#fff",
        "--jp-layout-color2": "#eee",
        "--jp-ui-font-color0": "rgba(0,0,0,1)",
        "--jp-ui-font-color1": "rgba(0,0,0,.87)",
        "--jp-ui-font-color2": "rgba(0,0,0,.54)",
        "--jp-ui-font-color3": "rgba(0,0,0,.38)",
        "--jp-brand-color1": "#1976d2",
        "--jp-border-color2": "#e0e0e0",
    },
    "dark": {
        "--jp-layout-color0": "#111",
        "--jp-layout-color1": "#212121",
        "--jp-layout-color2": "#424242",
        "--jp-ui-font-color0": "#fff",
        "--jp-ui-font-color1": "rgba(255,255,255,.87)",
        "--jp-ui-font-color2": "rgba(255,255,255,.54)",
        "--jp-ui-font-color3": "rgba(255,255,255,.38)",
        "--jp-brand-color1": "#2196f3",
        "--jp-border-color2": "#424242",
    },
}


def jupyterlab_theme(kind: str) -> dict[str, str]:
    """The --jp-* variables of JupyterLab's light/dark theme (from the installed package if any)."""
    try:
        import jupyterlab

        css = (
            Path(jupyterlab.__file__).parent / "themes" / "@jupyterlab" / f"theme-{kind}-extension" / "index.css"
        ).read_text()
    except Exception:
        return FALLBACK_THEMES[kind]
    found = dict(re.findall(r"(--jp-[\w-]+)\s*:\s*([^;{}]+);", css))
    return {k: v.strip() for k, v in found.items() if "url(" not in v} or FALLBACK_THEMES[kind]


PHOTO = (
    (
        "data:image/svg+xml,"
        + "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 40 40'><defs><linearGradient id='g' x1='0' y1='0'"
        " x2='1' y2='1'><stop offset='0' stop-color='%23f6a06a'/><stop offset='1' stop-color='%23d9486b'/>"
        "</linearGradient></defs><rect width='40' height='40' fill='url(%23g)'/><circle cx='20' cy='16' r='7'"
        " fill='%23fff' fill-opacity='.92'/><ellipse cx='20' cy='36' rx='13' ry='10' fill='%23fff'"
        " fill-opacity='.92'/></svg>"
    )
    .replace("<", "%3C")
    .replace(">", "%3E")
    .replace(" ", "%20")
    .replace("'", "%27")
)


def user(uid: str, name: str, photo: str | None = None) -> dict[str, Any]:
    return {"id": uid, "name": name, "photo_url": photo, "role": None, "custom": {}, "locale": None}


ME = user("me", "Robin")


def msg(sender: dict[str, Any] | None, text: str, ago: int, content: Any = None, kind: str = "UserMessage") -> Any:
    return {
        "id": f"m{ago}",
        "type": kind,
        "sender": sender,
        "plaintext": text,
        "created_at": NOW_MS - ago,
        "edited_at": None,
        "custom": {},
        "content": content or [{"type": "text", "children": [text]}],
    }


def conv(cid: str, others: list[Any], last: Any, unread: int = 0, subject: str | None = None) -> Any:
    return {
        "id": cid,
        "subject": subject,
        "photo_url": None,
        "custom": {},
        "created_at": NOW_MS - 90 * DAY,
        "joined_at": NOW_MS - 90 * DAY,
        "unread_message_count": unread,
        "is_unread": unread > 0,
        "read_until": None,
        "everyone_read_until": None,
        "access": "ReadWrite",
        "notify": True,
        "last_message": last,
        "participants": [{"id": o["id"], "name": o["name"], "photo_url": o["photo_url"]} for o in others],
    }


def sample_conversations() -> list[Any]:
    priya, marco, jun = user("priya", "Priya Raman"), user("marco", "Marco Rossi"), user("jun", "Jun Tanaka")
    sofia, daniel = user("sofia", "Sofia Alvarez"), user("daniel", "Daniel Kim", PHOTO)
    amara, lena, tom = user("amara", "Amara Okafor"), user("lena", "Lena Fischer"), user("tom", "Tom Becker")

    def file(subtype: str | None, name: str) -> Any:
        return [{"type": "file", "subtype": subtype, "filename": name, "size": 123456, "url": "https://files.test/x"}]

    return [
        conv(
            "design",
            [priya, marco, jun],
            msg(marco, "Pushed the new mockups, have a look when you can", 2 * MIN),
            unread=3,
            subject="Design review",
        ),
        conv("sofia", [sofia], msg(ME, "Sounds good, see you tomorrow at 10!", 14 * MIN)),
        conv("daniel", [daniel], msg(daniel, "", 1 * HOUR + 5 * MIN, file("voice", "voice.webm")), unread=1),
        conv(
            "hike",
            [lena, tom, sofia],
            msg(lena, "", 5 * HOUR, [{"type": "location", "latitude": 47.4, "longitude": 11.1}]),
            subject="Weekend hike",
        ),
        conv("amara", [amara], msg(amara, "", 2 * DAY, file(None, "Q3-report.pdf"))),
        conv("support", [priya, jun], msg(None, "Jun Tanaka joined the conversation", 4 * DAY, kind="SystemMessage")),
        conv("tom", [tom], msg(tom, "", 30 * DAY, file("image", "IMG_2041.jpg")), unread=128),
    ]


def shoot(page: Any, kind: str, path: Path) -> None:
    theme = jupyterlab_theme(kind)
    page.evaluate(
        """(vars) => {
        const t = document.getElementById('theme');
        for (const [k, v] of Object.entries(vars)) t.style.setProperty(k, v);
        t.style.padding = '20px';
        t.style.setProperty('--tw-cl-height', '720px');
        t.style.display = 'inline-block';
        t.style.background = 'var(--jp-layout-color0)';
        document.body.style.padding = '0';
        for (const h of document.querySelectorAll('.tw-host')) h.style.margin = '0';
        t.style.verticalAlign = 'top';
        document.body.style.background = 'var(--jp-layout-color0)';
    }""",
        theme,
    )
    page.locator(".tw-cl").first.wait_for()
    page.evaluate("() => document.fonts.ready")
    page.locator("#theme").screenshot(path=str(path), animations="disabled")


# --- Chatbox and Inbox ------------------------------------------------------------------------------

LANDSCAPE = (
    "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 1200 700'><defs><linearGradient id='s' x1='0' y1='0'"
    " x2='0' y2='1'><stop offset='0' stop-color='#ffb88c'/><stop offset='.6' stop-color='#ffd6a5'/><stop offset='1'"
    " stop-color='#fdf0d5'/></linearGradient></defs><rect width='1200' height='700' fill='url(#s)'/><circle cx='860'"
    " cy='250' r='90' fill='#fff3e0'/><path d='M0 520 260 300 470 470 690 260 960 500 1200 340V700H0z' fill='#6d597a'/>"
    "<path d='M0 600 300 450 560 590 820 430 1200 620V700H0z' fill='#355070'/></svg>"
)


def cb_user(uid: str, name: str, photo: str | None = None) -> dict[str, Any]:
    return {"id": uid, "name": name, "photo_url": photo, "role": "default"}


def cb_msg(n: int, sender: dict[str, Any] | None, text: str, ago: int, **over: Any) -> dict[str, Any]:
    m: dict[str, Any] = {
        "id": f"cm{n}",
        "type": "UserMessage" if sender else "SystemMessage",
        "conversation_id": "design",
        "sender": sender,
        "created_at": NOW_MS - ago,
        "edited_at": None,
        "origin": "web",
        "plaintext": text,
        "content": [{"type": "text", "children": [text]}],
        "custom": {},
        "reactions": [],
        "referenced_message_id": None,
        "referenced_message": None,
    }
    m.update(over)
    return m


def sample_chat() -> dict[str, Any]:
    """The "Design review" conversation of the list, as the Chatbox shows it."""
    me = cb_user("me", "Robin")
    priya, marco, jun = (
        cb_user("priya", "Priya Raman", PHOTO),
        cb_user("marco", "Marco Rossi"),
        cb_user("jun", "Jun Tanaka"),
    )
    t = lambda *children: [{"type": "text", "children": list(children)}]  # noqa: E731
    messages = [
        cb_msg(1, None, "Priya Raman created the conversation", DAY + 3 * HOUR),
        cb_msg(2, priya, "Morning! Kick-off for the new onboarding flow 👋", DAY + 3 * HOUR - MIN),
        cb_msg(
            3,
            priya,
            "Goals for this week:",
            DAY + 3 * HOUR - 2 * MIN,
            content=t(
                "Goals for ",
                {"type": "bold", "children": ["this week"]},
                ":",
                {
                    "type": "bulletList",
                    "children": [
                        {"type": "bulletPoint", "children": ["Fewer steps to the first message"]},
                        {"type": "bulletPoint", "children": ["Dark theme everywhere"]},
                    ],
                },
            ),
        ),
        cb_msg(
            4,
            me,
            "Love it. I'll take the dark theme.",
            DAY + 2 * HOUR,
            reactions=[{"emoji": "🙌", "count": 2, "current_user_reacted": False}],
        ),
        cb_msg(
            5,
            marco,
            "Spec attached",
            40 * MIN,
            content=[
                {
                    "type": "file",
                    "subtype": None,
                    "filename": "onboarding-spec-v3.pdf",
                    "size": 482_133,
                    "width": None,
                    "height": None,
                    "duration": None,
                }
            ],
        ),
        cb_msg(
            6,
            marco,
            "",
            39 * MIN,
            content=[
                {
                    "type": "file",
                    "subtype": "image",
                    "filename": "mockup.png",
                    "size": 210_000,
                    "width": 1200,
                    "height": 700,
                    "duration": None,
                }
            ],
        ),
        cb_msg(
            7,
            me,
            "Looks great! Small thing: the contrast of the hint text",
            12 * MIN,
            edited_at=NOW_MS - 11 * MIN,
            referenced_message_id="cm6",
            referenced_message={
                "id": "cm6",
                "sender": marco,
                "plaintext": "",
                "file": {"subtype": "image", "filename": "mockup.png"},
            },
            reactions=[{"emoji": "👍", "count": 1, "current_user_reacted": False}],
        ),
        cb_msg(
            8,
            jun,
            "",
            6 * MIN,
            content=[
                {
                    "type": "file",
                    "subtype": "voice",
                    "filename": "voice.webm",
                    "size": 30_000,
                    "width": None,
                    "height": None,
                    "duration": 14.2,
                }
            ],
        ),
        cb_msg(
            9,
            marco,
            "Pushed the new mockups, have a look when you can",
            2 * MIN,
            content=t(
                "Pushed the new mockups, have a look when you can: ",
                {"type": "autoLink", "url": "https://design.example/onboarding", "text": "design.example/onboarding"},
            ),
        ),
    ]
    return {
        "conversation_id": "design",
        "messages": messages,
        "conversation": {
            "id": "design",
            "subject": "Design review",
            "photo_url": None,
            "custom": {},
            "access": "ReadWrite",
            "read_until": NOW_MS,
            "everyone_read_until": NOW_MS - 10 * MIN,
            "participant_count": 4,
        },
        "participants": [
            {**priya, "online": True},
            {**marco, "online": True},
            {**jun, "online": False},
            {**me, "online": True},
        ],
        "typing": {"many": False, "users": [priya]},
        "draft": "",
        "current_user": me,
        "loaded_all": True,
        "loading_more": False,
        "state": "active",
        "error": "",
        "connection": "connected",
        "actions": False,
        "_seq": 1,
        "_attachments": None,
    }


def serve_landscape(page: Any) -> None:
    page.route(ORIGIN + "/img/**", lambda r: r.fulfill(body=LANDSCAPE, content_type="image/svg+xml"))


def deliver_urls(page: Any) -> None:
    page.evaluate(
        """(u) => window.tw.deliver({op: 'files', urls: {
            cm5: [u + '/img/spec.pdf'], cm6: [u + '/img/mockup.svg'], cm8: [u + '/img/v.webm']}})""",
        ORIGIN,
    )


INBOX_PAGE = """<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="/static/conversation_list.css"><link rel="stylesheet" href="/static/chatbox.css">
<link rel="stylesheet" href="/static/inbox.css">
<style>html, body { margin: 0; } #theme { padding: 20px; width: 1000px; }</style></head>
<body><div id="theme"><div id="host"></div></div>
<script type="module">
import inbox from "/static/inbox.js";
import list from "/static/conversation_list.js";
import chat from "/static/chatbox.js";
function model(state) {
  const listeners = new Map();
  const m = {
    get: (k) => state[k],
    set: (k, v) => { state[k] = v; (listeners.get("change:" + k) || []).forEach((f) => f()); },
    on: (ev, f) => listeners.set(ev, [...(listeners.get(ev) || []), f]),
    off: () => {},
    send: (c) => {
      if (c && c.op === "ping") (listeners.get("msg:custom") || []).forEach((f) => f({op: "pong", n: c.n}, []));
    },
    save_changes: () => {},
  };
  m.deliver = (msg) => (listeners.get("msg:custom") || []).forEach((f) => f(msg, []));
  return m;
}
window.mountInbox = async (listState, chatState, urls) => {
  const signal = new AbortController().signal;
  const lm = model(listState), cm = model(chatState);
  await list.initialize?.({model: lm, signal, experimental: {}});
  await chat.initialize?.({model: cm, signal, experimental: {}});
  const children = {"anywidget:list": [list, lm], "anywidget:chat": [chat, cm]};
  const host = {
    getWidget: async (ref) => ({exports: {}, render: async ({el}) => {
      const [w, m] = children[ref];
      await w.render({model: m, el, signal, experimental: {}});
    }}),
    getModel: async (ref) => children[ref][1],
  };
  const im = model({selected_id: "design", list_width: 340, _list: "anywidget:list", _chatbox: "anywidget:chat"});
  await inbox.render({model: im, el: document.getElementById("host"), signal, host, experimental: {}});
  await new Promise((r) => setTimeout(r, 100));
  cm.deliver({op: "files", urls});
};
window.__ready = true;
</script></body></html>"""


def open_inbox_page(page: Any) -> None:
    def serve(route: Any) -> None:
        path = route.request.url[len(ORIGIN) :].split("?")[0]
        if path in ("/", "/index.html"):
            route.fulfill(body=INBOX_PAGE, content_type="text/html")
        elif path.startswith("/img/"):
            route.fulfill(body=LANDSCAPE, content_type="image/svg+xml")
        elif path.startswith("/static/") and (STATIC / path[len("/static/") :]).is_file():
            f = STATIC / path[len("/static/") :]
            route.fulfill(
                body=f.read_text(encoding="utf-8"), content_type="text/javascript" if f.suffix == ".js" else "text/css"
            )
        else:
            route.fulfill(status=404, body="not found")

    page.route(ORIGIN + "/**", serve)
    page.goto(ORIGIN + "/")
    page.wait_for_function("() => window.__ready === true")


def apply_theme(page: Any, kind: str, height_var: str, height: str) -> None:
    page.evaluate(
        """([vars, hv, h, kind]) => {
        const t = document.getElementById('theme');
        for (const [k, v] of Object.entries(vars)) t.style.setProperty(k, v);
        t.style.setProperty(hv, h);
        t.style.padding = '20px';
        t.style.background = 'var(--jp-layout-color0)';
        document.body.style.padding = '0';
        document.body.style.background = 'var(--jp-layout-color0)';
        document.body.dataset.jpThemeLight = String(kind === 'light');  // as JupyterLab marks its body
        for (const h of document.querySelectorAll('.tw-host')) h.style.margin = '0';
    }""",
        [jupyterlab_theme(kind), height_var, height, kind],
    )


def shoot_chatbox(browser: Any, kind: str) -> Path:
    ctx = browser.new_context(
        viewport={"width": 600, "height": 900}, device_scale_factor=2, locale="en-GB", timezone_id="UTC"
    )
    page = ctx.new_page()
    page.clock.install(time=NOW_MS / 1000)
    open_harness(page, "chatbox")
    serve_landscape(page)
    mount(page, sample_chat())
    page.evaluate(
        """() => {
        document.querySelector('.tw-host').style.width = '520px';
        document.getElementById('theme').style.display = 'inline-block';
    }"""
    )
    apply_theme(page, kind, "--tw-cb-height", "820px")
    deliver_urls(page)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.tw-cb img.tw-cb-img')].every((i) => i.complete && i.naturalWidth > 0)"
    )
    page.evaluate("() => document.fonts.ready")
    out = OUT / f"chatbox_{kind}.png"
    page.locator("#theme").screenshot(path=str(out), animations="disabled")
    ctx.close()
    return out


def shoot_inbox(browser: Any, kind: str) -> Path:
    ctx = browser.new_context(
        viewport={"width": 1040, "height": 760}, device_scale_factor=2, locale="en-GB", timezone_id="UTC"
    )
    page = ctx.new_page()
    page.clock.install(time=NOW_MS / 1000)
    open_inbox_page(page)
    conversations = sample_conversations()
    for c in conversations:  # the conversation open in the chat has been read
        if c["id"] == "design":
            c.update(unread_message_count=0, is_unread=False, read_until=c["last_message"]["created_at"])
    list_state = conversation_list_state(conversations=conversations, selected_id="design", current_user_id="me")
    urls = {"cm5": [ORIGIN + "/img/spec.pdf"], "cm6": [ORIGIN + "/img/mockup.svg"], "cm8": [ORIGIN + "/img/v.webm"]}
    page.evaluate("([l, c, u]) => window.mountInbox(l, c, u)", [list_state, sample_chat(), urls])
    apply_theme(page, kind, "--tw-ib-height", "680px")
    page.evaluate("() => { document.querySelector('.tw-ib').style.setProperty('--tw-ib-height', '680px'); }")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.tw-cb img.tw-cb-img')].every((i) => i.complete && i.naturalWidth > 0)"
    )
    page.evaluate("() => document.fonts.ready")
    out = OUT / f"inbox_{kind}.png"
    page.locator("#theme").screenshot(path=str(out), animations="disabled")
    ctx.close()
    return out


def main() -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = launch_browser(p)
        try:
            for kind in ("light", "dark"):
                ctx = browser.new_context(
                    viewport={"width": 520, "height": 760}, device_scale_factor=2, locale="en-GB", timezone_id="UTC"
                )
                page = ctx.new_page()
                page.clock.install(time=NOW_MS / 1000)
                open_harness(page, "conversation_list")
                mount(
                    page,
                    conversation_list_state(
                        conversations=sample_conversations(), selected_id="sofia", current_user_id="me"
                    ),
                )
                out = OUT / f"conversation_list_{kind}.png"
                shoot(page, kind, out)
                print(f"wrote {out.relative_to(ROOT)}")
                ctx.close()
                for shooter in (shoot_chatbox, shoot_inbox):
                    print(f"wrote {shooter(browser, kind).relative_to(ROOT)}")
        finally:
            browser.close()


if __name__ == "__main__":
    main()
