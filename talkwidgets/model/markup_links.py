"""Links found in plain text: URLs, emails and phone numbers become ``autoLink`` pieces.

TalkJS finds URLs and emails with Autolinker.js; here linkify-it-py does that
job, checked against the top-level domains of the public suffix list and IP addresses, so the same
words become links in ordinary text (``docs/markup.md`` lists the edge cases
where the two libraries disagree). Phone numbers follow TalkJS's own rule,
which is small enough to restate exactly.
"""

from __future__ import annotations

import functools
import re

from linkify_it import LinkifyIt  # type: ignore[import-untyped]  # ships no type information
from tld import is_tld

from .markup_scan import Draft, Piece
from .markup_tokens import TokenFinders, find_formatted_link

__all__ = ["autolinks", "phone_numbers"]

# Emails are found by ``_emails`` below (linkify-it refuses an email right after "[" or "'"; TalkJS does not).
# linkify-it is given any word as a top-level domain and its schemeless links
# are checked against the public suffix list afterwards (``tld``): an expression with ~1,600
# alternatives was ~50 µs per character of host-like text.
_LINKIFY = LinkifyIt(options={"fuzzy_ip": True, "fuzzy_email": False}).tlds([r"\w{2,63}"], keep_old=False)
_IPV4 = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}")


def _known_host(link: str) -> bool:
    """A schemeless link needs a known top-level domain (or to be an IPv4 address)."""
    host = re.split(r"[/?#:]", link[2:] if link.startswith("//") else link, maxsplit=1)[0]
    return bool(_IPV4.fullmatch(host)) or is_known_tld(host.rsplit(".", 1)[-1])


@functools.lru_cache(maxsize=4096)
def is_known_tld(label: str) -> bool:
    """Whether ``label`` is a top-level domain (the ICANN part of the public suffix list, bundled by ``tld``):
    ``file.txt`` stays text because ``txt`` is no domain."""
    return bool(label) and "." not in label and bool(is_tld(label.lower()))


_NOT_LAST = "?!:,.;^"
_SCHEME = re.compile(r"[A-Za-z][-.+A-Za-z0-9]*://")


# linkify-it's expressions slow down more than linearly on one long run of
# host-like text ("www.www.www…"), so long text is searched in windows cut at
# whitespace (no link contains any); a single word longer than a window, far
# longer than any real URL, is cut too.
_WINDOW = 8192
_SPACE = re.compile(r"\s+")


def _windows(text: str) -> list[tuple[int, str]]:
    """``(offset, window)`` pieces of at most ``_WINDOW`` characters that together make ``text``."""
    out: list[tuple[int, str]] = []
    start = cut = 0  # cut: the end of the last whitespace seen, where a window may end
    for gap in [*_SPACE.finditer(text), None]:
        end = gap.end() if gap else len(text)
        if end - start > _WINDOW:
            if cut > start:
                out.append((start, text[start:cut]))
                start = cut
            while end - start > _WINDOW:
                out.append((start, text[start : start + _WINDOW]))
                start += _WINDOW
        cut = end
    if start < len(text) or not out:
        out.append((start, text[start:]))
    return out


def _links(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, url)`` of each URL, ended the way TalkJS ends them."""
    found: list[tuple[int, int, str]] = []
    for offset, window in _windows(text):
        found += _window_links(text, offset, window)
    return found


def _window_links(text: str, offset: int, window: str) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    for match in _LINKIFY.match(window) or []:
        start = offset + match.index
        link = text[start : offset + match.last_index]
        scheme = _SCHEME.match(link)
        host_start = scheme.end() if scheme else (2 if link.startswith("//") else 0)
        path_start = min((k for k in (link.find(c, host_start) for c in "/?#") if k != -1), default=len(link))
        bar = link.find("|", host_start, path_start)
        # A host ends at "|" ("x.com|y") and a link never ends in sentence punctuation ("see x.io/a:") ...
        link = (link[:bar] if bar != -1 else link).rstrip(_NOT_LAST)
        if not link or (not match.schema and not _known_host(link)):
            continue
        # ... but a path keeps the apostrophes that follow it, as in TalkJS ('https://x.io/a').
        end = start + len(link)
        if path_start < len(link):
            while end < len(text) and text[end] == "'":
                end += 1
        found.append((start, end, ("" if match.schema else "http://") + text[start:end]))
    return found


_LOCAL_SPECIAL = frozenset("!#$%&'*+-/=?^_`{|}~")


def _is_alnum(ch: str) -> bool:
    return ch.isalnum()


def _email_at(text: str, at: int, floor: int) -> tuple[int, int] | None:
    """The email around the ``@`` at ``at`` (not reaching left of ``floor``), as TalkJS finds it.

    The local part is the run of allowed characters before the ``@``, started
    at its first letter or digit, without ``..`` or a final ``.``; the domain
    is dot-separated labels whose last one is a known top-level domain.
    """
    left = at
    while left > floor and (_is_alnum(text[left - 1]) or text[left - 1] in _LOCAL_SPECIAL or text[left - 1] == "."):
        left -= 1
    local = text[left:at]
    skip = next((i for i, ch in enumerate(local) if _is_alnum(ch)), None)
    if skip is None or local.endswith(".") or ".." in local[skip:] or "#" in local[:skip] or "/" in local[:skip]:
        return None
    left += skip
    n, i = len(text), at + 1
    if i >= n or not _is_alnum(text[i]):
        return None
    end = last_dot = -1
    while i < n:
        ch = text[i]
        if _is_alnum(ch) or ch == "_":
            i += 1
            if last_dot != -1:
                end = i
        elif ch in "-." and i + 1 < n and (_is_alnum(text[i + 1]) or (ch == "-" and text[i + 1] == "_")):
            if ch == ".":
                last_dot = i
            i += 1
        elif ch == "-":
            return None  # a domain ending in "-" is no domain
        else:
            break
    if end == -1 or not is_known_tld(text[last_dot + 1 : end]):
        return None
    return left, end


def _emails(text: str) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    floor = 0
    at = text.find("@")
    while at != -1:
        span = _email_at(text, at, floor)
        if span is not None:
            found.append((span[0], span[1], "mailto:" + text[span[0] : span[1]]))
            floor = span[1]
        else:
            floor = at + 1
        at = text.find("@", floor)
    return found


def _urls_and_emails(text: str) -> list[Piece]:
    if not text:
        return []
    if "." not in text and "@" not in text and ":" not in text:
        return [text]  # every link has a dot in its host, a scheme's colon or an @
    out: list[Piece] = []
    done = 0
    # Earliest start wins where a URL and an email overlap (``mailto:a@b.co``, ``https://x.io/a@b.co``).
    for start, end, url in sorted(_links(text) + _emails(text), key=lambda f: (f[0], -f[1])):
        if start < done:
            continue
        if start > done:
            out.append(text[done:start])
        out.append(Draft("autoLink", url=url, text=text[start:end]))
        done = end
    if done < len(text):
        out.append(text[done:])
    return out


def autolinks(text: str) -> list[Piece]:
    """URLs become ``autoLink``s to themselves (``http://`` added when absent), emails to ``mailto:``.

    A ``<URL|label>`` shape that is still text (formatted links are off when
    a user sends) is linked in two parts, the URL alone and ``|label>``, so the
    label never becomes part of the URL.
    """
    if not text:
        return []
    if "<" not in text or "|" not in text:
        return _urls_and_emails(text)
    finders = TokenFinders(text)
    out: list[Piece] = []
    done = 0
    start = text.find("<")
    while start != -1:
        found = find_formatted_link(text, start, finders)
        if found is not None:
            end, url, label = found
            out += _urls_and_emails(text[done:start])
            out += ["<", *_urls_and_emails(url), *_urls_and_emails(f"|{label}>")]
            done = end
        start = text.find("<", max(done, start + 1))
    out += _urls_and_emails(text[done:])
    return out


# 7 to 13 digits, single separators between them, an optional leading "(" or
# "+"; not inside a word, a path or a time such as 10:30:00. The characters
# around the number are part of the match, as in TalkJS, so two numbers
# separated by a single space cannot both match.
_PHONE = re.compile(r"(?:\A|[^-:/A-Za-z0-9_])([(+]?[0-9](?:[-_+ ().]?[0-9]){5,11}[0-9])(?:[^-:/A-Za-z0-9_]|\Z)")
_YEAR_RANGE = re.compile(r"([0-9]{4})-([0-9]{4})")
_TIME_RANGE = re.compile(r"([0-9]{1,2})\.([0-9]{2})-([0-9]{1,2})\.([0-9]{2})")


def _is_range(number: str) -> bool:
    """``2010-2018`` (ascending years) and ``9.00-17.30`` (times of day) are not phone numbers."""
    years = _YEAR_RANGE.fullmatch(number)
    if years:
        return int(years[1]) < int(years[2])
    times = _TIME_RANGE.fullmatch(number)
    if times:
        h1, m1, h2, m2 = (int(g) for g in times.groups())
        return h1 <= 23 and h2 <= 23 and m1 <= 59 and m2 <= 59
    return False


def phone_numbers(text: str) -> list[Piece]:
    """Phone numbers become ``autoLink``s to ``tel:`` with only the digits and ``+`` kept."""
    if not text:
        return []
    out: list[Piece] = []
    done = 0
    for match in _PHONE.finditer(text):
        number = match[1]
        if _is_range(number):
            continue
        start = match.start(1)
        if start > done:
            out.append(text[done:start])
        out.append(Draft("autoLink", url="tel:" + re.sub(r"[^0-9+]", "", number), text=number))
        done = match.end(1)
    if done < len(text):
        out.append(text[done:])
    return out
