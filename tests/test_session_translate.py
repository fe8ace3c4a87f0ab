"""``MessageRef.translate`` on the real emulator: the language checks TalkJS makes, ``None`` for a
message nobody can see, and an immediate, explained refusal where no translation service exists
(never the untranslated text passed off as a translation)."""

from __future__ import annotations

import pytest

from talkwidgets import InvalidArgumentError, TalkError, TalkRequestError, get_talk_session
from talkwidgets.session._params import translation_language


@pytest.mark.parametrize(
    ("given", "sent"),
    [("en", "en"), ("en-US", "en"), ("DE_at", "de"), ("zh-TW", "zh-TW"), ("zh_tw", "zh-TW"), ("zh-CN", "zh")],
)
def test_the_region_is_dropped_except_for_traditional_chinese(given: str, sent: str) -> None:
    assert translation_language(given) == sent


@pytest.mark.parametrize("bad", ["", "e", "eng", "en-", "en US", "12", None, 7, "en-toolongregion"])
def test_a_language_that_is_not_an_iso_639_1_code_is_refused(bad: object) -> None:
    with pytest.raises(InvalidArgumentError, match="ISO 639-1"):
        translation_language(bad)


async def test_translate_refuses_at_once_with_the_reason_and_answers_none_for_unseen_messages(world) -> None:
    app_id, admin = world
    await admin.conversation("c", "alice", "bob")
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    carol = await get_talk_session(app_id=app_id, user_id="carol")
    ref = await alice.conversation("c").send("hello")

    with pytest.raises(TalkError, match="no translation service") as caught:
        await alice.conversation("c").message(ref.id).translate("de-AT")
    assert not isinstance(caught.value, TalkRequestError), "no request was made that could have failed"
    assert "'de'" in str(caught.value) and ref.id in str(caught.value)

    assert await alice.conversation("c").message("no-such-message").translate("fr") is None
    assert await carol.conversation("c").message(ref.id).translate("fr") is None, "carol is not in c"
    with pytest.raises(InvalidArgumentError):
        await alice.conversation("c").message(ref.id).translate("french")
