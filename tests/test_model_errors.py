"""The error hierarchy and HTTP response → exception mapping."""

from __future__ import annotations

import pickle

import pytest

from talkwidgets.model import (
    ActiveState,
    AuthenticationError,
    ErrorState,
    InvalidArgumentError,
    NotFoundError,
    PayloadTooLargeError,
    PendingState,
    PermissionDeniedError,
    RateLimitError,
    SubscriptionTerminatedError,
    TalkConnectionError,
    TalkError,
    TalkRequestError,
    TalkSessionError,
    UnsubscribedState,
    error_from_response,
)


def test_hierarchy() -> None:
    assert issubclass(InvalidArgumentError, TalkError) and issubclass(InvalidArgumentError, ValueError)
    for cls in (TalkSessionError, TalkRequestError, TalkConnectionError, SubscriptionTerminatedError):
        assert issubclass(cls, TalkError)
    for cls in (AuthenticationError, PermissionDeniedError, NotFoundError, PayloadTooLargeError, RateLimitError):
        assert issubclass(cls, TalkRequestError)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, TalkRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (413, PayloadTooLargeError),
        (429, RateLimitError),
        (500, TalkRequestError),
        (503, TalkRequestError),
    ],
)
def test_status_mapping(status: int, cls: type) -> None:
    err = error_from_response(status, {"errorCode": "X", "reasons": ["r"]}, "")
    assert type(err) is cls
    assert err.status == status
    assert err.error_code == "X"
    assert err.reasons == ("r",)


def test_talkjs_body_is_readable() -> None:
    err = error_from_response(
        400, {"errorCode": "INVALID_FIELD", "reasons": ["name must be a string", "bad email"]}, "ignored"
    )
    assert err.error_code == "INVALID_FIELD"
    assert err.reasons == ("name must be a string", "bad email")
    text = str(err)
    assert "400" in text and "INVALID_FIELD" in text
    assert "name must be a string" in text and "bad email" in text


def test_fallback_to_text_and_other_shapes() -> None:
    err = error_from_response(502, None, "<html>Bad gateway</html>")
    assert err.error_code is None and err.reasons == ()
    assert "Bad gateway" in str(err) and "502" in str(err)

    long = error_from_response(500, None, "x" * 5000)
    assert len(str(long)) < 600

    other = error_from_response(404, {"error": "NOT_FOUND", "message": "no such user"}, "")
    assert isinstance(other, NotFoundError)
    assert "no such user" in str(other)

    single = error_from_response(400, {"reasons": "just one"}, "")
    assert single.reasons == ("just one",)

    empty = error_from_response(404, None, "")
    assert str(empty) == "HTTP 404"


def test_rate_limit_retry_after() -> None:
    err = error_from_response(429, {"errorCode": "RATE_LIMITED"}, "", retry_after=2.5)
    assert isinstance(err, RateLimitError)
    assert err.retry_after == 2.5
    assert error_from_response(429, None, "").retry_after is None  # type: ignore[attr-defined]


def test_request_errors_pickle() -> None:
    err = error_from_response(429, {"errorCode": "R", "reasons": ["slow down"]}, "", retry_after=1.0)
    clone = pickle.loads(pickle.dumps(err))
    assert type(clone) is RateLimitError
    assert (clone.status, clone.error_code, clone.reasons, clone.retry_after) == (429, "R", ("slow down",), 1.0)
    assert str(clone) == str(err)


def test_subscription_terminated_carries_state() -> None:
    state = ErrorState(error=TalkConnectionError("down"))
    err = SubscriptionTerminatedError(state)
    assert err.state is state
    assert "error" in str(err)
    assert SubscriptionTerminatedError(UnsubscribedState()).state.type == "unsubscribed"


def test_states() -> None:
    assert PendingState().type == "pending"
    active = ActiveState(latest_snapshot=[1], loaded_all=False)
    assert (active.type, active.latest_snapshot, active.loaded_all) == ("active", [1], False)
    assert ActiveState(latest_snapshot=None).loaded_all is None
    assert UnsubscribedState().type == "unsubscribed"
    with pytest.raises(InvalidArgumentError):
        PendingState(type="active")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ErrorState()  # type: ignore[call-arg]
