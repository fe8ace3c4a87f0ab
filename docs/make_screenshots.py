"""Render the ConversationList bundle in headless Chromium and save docs screenshots.

    .venv/bin/python -m docs.make_screenshots        # writes docs/img/conversation_list_{light,dark}.png

Uses the browser-test harness (tests/browser_support.py) on the built bundle in
talkwidgets/static/ (build it first: `pip install -e .` or `cd js && npm run build`).
The themes are JupyterLab's own variables, read from the installed JupyterLab theme
CSS when available (falling back to a small built-in set), applied to the container.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.browser_support import conversation_list_state, launch_browser, mount, open_harness

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
        finally:
            browser.close()


if __name__ == "__main__":
    main()
