"""Who may call what: secret key, app JWTs, user JWTs, and the 401/403/404 answers in between."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest

from talkwidgets.emulator import EmulatorConfig
from tests.server_support import assert_error, auth, make_conversation, make_users, ok, send

PREFIXES = ["/v1", "/public_api/v1"]


def _b64(obj: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def app_jwt(app_id: str, key: str, **extra) -> str:
    claims = {"tokenType": "app", "iss": app_id, "exp": int(time.time()) + 60, **extra}
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, key, algorithm="HS256")


def user_jwt(app_id: str, key: str, sub: str | None, **extra) -> str:
    claims = {"tokenType": "user", "iss": app_id, "sub": sub, "exp": int(time.time()) + 60, **extra}
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, key, algorithm="HS256")


@pytest.fixture
def seeded(server, client):
    make_users(client, "alice", "bob", "carol", "dave")
    make_conversation(client, "ab", "alice", "bob")
    make_conversation(client, "bc", "bob", "carol")
    return server


@pytest.mark.parametrize("prefix", PREFIXES)
def test_secret_key_and_no_token(server, prefix, http):
    url = f"{server.base_url}{prefix}/{server.app_id}/users"
    assert_error(http.get(url), 401)
    r = http.get(url, headers=auth(server.secret_key))
    assert r.status_code == 200 and r.json() == {"data": []}


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize(
    "header",
    [
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer a b c",
        "sk_test_without_scheme",
        "Token abc",
    ],
)
def test_malformed_authorization_header(server, prefix, header, http):
    r = http.get(f"{server.base_url}{prefix}/{server.app_id}/users", headers={"Authorization": header})
    body = assert_error(r, 401)
    assert body["errorCode"] == "UNAUTHORIZED"


@pytest.mark.parametrize("prefix", PREFIXES)
def test_wrong_secret_key(server, prefix, http):
    r = http.get(f"{server.base_url}{prefix}/{server.app_id}/users", headers=auth("sk_test_not_the_key"))
    assert_error(r, 401)
    # a prefix or extension of the real key is not the key either
    r = http.get(f"{server.base_url}{prefix}/{server.app_id}/users", headers=auth(server.secret_key + "x"))
    assert_error(r, 401)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_app_jwt_matrix(server, prefix, http):
    url = f"{server.base_url}{prefix}/{server.app_id}/users"
    key, app = server.secret_key, server.app_id
    assert http.get(url, headers=auth(app_jwt(app, key))).status_code == 200
    # without exp it is still an app token (TalkJS recommends, not requires, a short life)
    assert http.get(url, headers=auth(app_jwt(app, key, exp=None))).status_code == 200
    assert_error(http.get(url, headers=auth(app_jwt(app, key, exp=int(time.time()) - 10))), 401)
    assert_error(http.get(url, headers=auth(app_jwt("otherapp", key))), 401)
    assert_error(http.get(url, headers=auth(app_jwt(None, key))), 401)  # no iss at all
    assert_error(
        http.get(url, headers=auth(app_jwt(app, "sk_test_some_other_key_yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"))),
        401,
    )
    assert_error(http.get(url, headers=auth(app_jwt(app, key, tokenType="admin"))), 401)
    assert_error(http.get(url, headers=auth("not.a.jwt")), 401)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_jwt_algorithms_other_than_hs256_are_refused(server, prefix, http):
    url = f"{server.base_url}{prefix}/{server.app_id}/users"
    claims = {"tokenType": "app", "iss": server.app_id, "exp": int(time.time()) + 60}
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    assert_error(http.get(url, headers=auth(unsigned)), 401)
    hs512 = jwt.encode(claims, server.secret_key, algorithm="HS512")
    assert_error(http.get(url, headers=auth(hs512)), 401)
    # a HS256 header over a payload signed with HS512 does not pass either
    _, body, sig = hs512.split(".")
    forged = f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{body}.{sig}"
    assert_error(http.get(url, headers=auth(forged)), 401)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_user_token_matrix(seeded, prefix, http):
    server = seeded
    base = f"{server.base_url}{prefix}/{server.app_id}"
    key, app = server.secret_key, server.app_id
    good = user_jwt(app, key, "alice")
    assert ok(http.get(f"{base}/users/alice/conversations", headers=auth(good))).json()["data"][0]["id"] == "ab"
    assert_error(http.get(f"{base}/users/alice/conversations", headers=auth(user_jwt("otherapp", key, "alice"))), 401)
    assert_error(http.get(f"{base}/users/alice/conversations", headers=auth(user_jwt(app, key, None))), 401)
    assert_error(http.get(f"{base}/users/alice/conversations", headers=auth(user_jwt(app, key, ""))), 401)
    expired = user_jwt(app, key, "alice", exp=int(time.time()) - 5)
    assert_error(http.get(f"{base}/users/alice/conversations", headers=auth(expired)), 401)
    other_key = user_jwt(app, "sk_test_other_key_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "alice")
    assert_error(http.get(f"{base}/users/alice/conversations", headers=auth(other_key)), 401)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_user_token_reaches_only_its_own_data(seeded, client, prefix, http):
    server = seeded
    base = f"{server.base_url}{prefix}/{server.app_id}"
    alice = auth(server.user_token("alice"))
    bob_mid = send(client, "ab", "hi from bob", sender="bob")[0]
    alice_mid = send(client, "ab", "hi from alice", sender="alice")[0]
    bc_mid = send(client, "bc", "secret", sender="bob")[0]

    # another user's conversation: conversation, messages, one message, read, user view
    for method, path in [
        ("GET", "/conversations/bc"),
        ("GET", "/conversations/bc/messages"),
        ("GET", f"/conversations/bc/messages/{bc_mid}"),
        ("POST", "/conversations/bc/readBy/alice"),
        ("GET", "/users/bob/conversations/bc"),
    ]:
        assert_error(http.request(method, base + path, headers=alice), 403)
    assert_error(http.post(f"{base}/conversations/bc/messages", headers=alice, json=[{"text": "x"}]), 403)
    assert_error(http.get(f"{base}/users/alice/conversations/bc", headers=alice), 404)
    # listing another user's conversations
    assert_error(http.get(f"{base}/users/bob/conversations", headers=alice), 403)
    # sending as someone else, even in a shared conversation
    assert_error(
        http.post(f"{base}/conversations/ab/messages", headers=alice, json=[{"text": "forged", "sender": "bob"}]), 403
    )
    # editing / deleting someone else's message
    assert_error(http.patch(f"{base}/conversations/ab/messages/{bob_mid}", headers=alice, json={"text": "x"}), 403)
    assert_error(http.put(f"{base}/conversations/ab/messages/{bob_mid}", headers=alice, json={"text": "x"}), 403)
    assert_error(http.delete(f"{base}/conversations/ab/messages/{bob_mid}", headers=alice), 403)
    assert ok(client.get(f"/conversations/ab/messages/{bob_mid}")).json()["text"] == "hi from bob"
    # a user it shares no conversation with: profiles are app-wide (see api_users.get_user), but
    # only the public part; private fields stay hidden
    ok(client.put("/users/carol", json={"email": ["carol@example.com"], "pushTokens": {"fcm:c": True}}))
    carol = ok(http.get(f"{base}/users/carol", headers=alice)).json()
    assert carol["name"] == "Carol" and carol["email"] is None and carol["pushTokens"] is None
    assert_error(http.get(f"{base}/users/nobody", headers=alice), 404)
    # app-only routes
    assert_error(http.get(f"{base}/users", headers=alice), 403)
    assert_error(http.get(f"{base}/conversations", headers=alice), 403)
    assert_error(http.delete(f"{base}/conversations/ab", headers=alice), 403)
    assert_error(http.put(f"{base}/users", headers=alice, json={"zed": {"name": "Zed"}}), 403)
    # changing another existing user
    assert_error(http.put(f"{base}/users/bob", headers=alice, json={"name": "Bobby"}), 403)
    assert ok(client.get("/users/bob")).json()["name"] == "Bob"
    # marking read for someone else; managing participation outside one's conversations
    assert_error(http.post(f"{base}/conversations/ab/readBy/bob", headers=alice), 403)
    assert_error(http.patch(f"{base}/conversations/bc/participants/bob", headers=alice, json={"access": "Read"}), 403)
    assert_error(http.delete(f"{base}/conversations/bc/participants/carol", headers=alice), 403)
    assert set(ok(client.get("/conversations/bc")).json()["participants"]) == {"bob", "carol"}

    # ...and what it may do
    assert ok(http.get(f"{base}/users/bob", headers=alice)).json()["name"] == "Bob"
    assert ok(http.get(f"{base}/conversations/ab", headers=alice)).json()["id"] == "ab"
    ok(http.patch(f"{base}/conversations/ab/messages/{alice_mid}", headers=alice, json={"text": "edited"}))
    assert ok(client.get(f"/conversations/ab/messages/{alice_mid}")).json()["text"] == "edited"
    ok(http.delete(f"{base}/conversations/ab/messages/{alice_mid}", headers=alice))
    assert_error(client.get(f"/conversations/ab/messages/{alice_mid}"), 404)
    ok(http.put(f"{base}/users/alice", headers=alice, json={"role": "admin"}))
    assert ok(client.get("/users/alice")).json()["role"] == "admin"


def test_user_token_sees_public_profile_of_contacts_only(seeded, client, http):
    server = seeded
    ok(
        client.put(
            "/users/bob", json={"email": ["bob@example.com"], "phone": ["+100"], "pushTokens": {"fcm:abc": True}}
        )
    )
    as_alice = http.get(f"{server.api}/users/bob", headers=auth(server.user_token("alice"))).json()
    assert as_alice["name"] == "Bob"
    assert as_alice["email"] is None and as_alice["phone"] is None and as_alice["pushTokens"] is None
    as_bob = http.get(f"{server.api}/users/bob", headers=auth(server.user_token("bob"))).json()
    assert as_bob["email"] == ["bob@example.com"] and as_bob["pushTokens"] == {"fcm:abc": True}


def test_user_token_may_not_create_conversation_without_itself(seeded, http):
    server = seeded
    alice = auth(server.user_token("alice"))
    r = http.put(f"{server.api}/conversations/new", headers=alice, json={"participants": ["bob", "carol"]})
    assert_error(r, 403)
    r = http.put(f"{server.api}/conversations/new", headers=alice, json={"participants": ["alice", "bob"]})
    ok(r)
    # but it may not modify a conversation it is not part of
    assert_error(http.put(f"{server.api}/conversations/bc", headers=alice, json={"subject": "mine"}), 403)
    assert_error(http.put(f"{server.api}/conversations/bc/participants/alice", headers=alice), 403)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_unknown_app_is_404(server, prefix, http):
    r = http.get(f"{server.base_url}{prefix}/no_such_app/users", headers=auth(server.secret_key))
    body = assert_error(r, 404)
    assert body["errorCode"] == "APP_NOT_FOUND"
    # unknown app wins over a missing token too: there is no key to check against
    assert_error(http.get(f"{server.base_url}{prefix}/no_such_app/users"), 404)


def test_secret_key_of_one_app_does_not_open_another(server, http):
    other_key = server.embedded.ensure_app("second")
    assert other_key != server.secret_key
    r = http.get(f"{server.base_url}/v1/second/users", headers=auth(server.secret_key))
    assert_error(r, 401)
    assert http.get(f"{server.base_url}/v1/second/users", headers=auth(other_key)).status_code == 200
    # a user token of the first app is not valid on the second
    r = http.get(f"{server.base_url}/v1/second/users/alice", headers=auth(server.user_token("alice")))
    assert_error(r, 401)


@pytest.mark.parametrize("server_config", [EmulatorConfig(client_sync=False)], indirect=True)
def test_without_client_sync_user_tokens_only_manage_themselves(seeded, client, http):
    server = seeded
    alice = auth(server.user_token("alice"))
    base = server.api
    assert_error(http.patch(f"{base}/conversations/ab/participants/bob", headers=alice, json={"access": "Read"}), 403)
    assert_error(http.delete(f"{base}/conversations/ab/participants/bob", headers=alice), 403)
    assert_error(http.put(f"{base}/conversations/ab/participants/carol", headers=alice), 403)
    assert_error(http.put(f"{base}/conversations/mine", headers=alice, json={"participants": ["alice"]}), 403)
    assert_error(http.put(f"{base}/users/newbie", headers=alice, json={"name": "Newbie"}), 403)
    conv = ok(client.get("/conversations/ab")).json()
    assert set(conv["participants"]) == {"alice", "bob"} and conv["participants"]["bob"]["access"] == "ReadWrite"
    assert_error(client.get("/users/newbie"), 404)
    # her own participation and profile remain hers to change
    ok(http.patch(f"{base}/conversations/ab/participants/alice", headers=alice, json={"notify": False}))
    ok(http.put(f"{base}/users/alice", headers=alice, json={"locale": "fr-FR"}))
    ok(http.delete(f"{base}/conversations/ab/participants/alice", headers=alice))
    assert set(ok(client.get("/conversations/ab")).json()["participants"]) == {"bob"}


def test_with_client_sync_participants_manage_each_other(seeded, client, http):
    """TalkJS client-side syncing (the default): a participant may add others and change their settings."""
    server = seeded
    alice = auth(server.user_token("alice"))
    ok(http.put(f"{server.api}/users/newbie", headers=alice, json={"name": "Newbie"}))
    ok(http.put(f"{server.api}/conversations/ab/participants/newbie", headers=alice))
    ok(http.patch(f"{server.api}/conversations/ab/participants/bob", headers=alice, json={"access": "Read"}))
    conv = ok(client.get("/conversations/ab")).json()
    assert set(conv["participants"]) == {"alice", "bob", "newbie"}
    assert conv["participants"]["bob"]["access"] == "Read"
    ok(http.delete(f"{server.api}/conversations/ab/participants/newbie", headers=alice))
    assert set(ok(client.get("/conversations/ab")).json()["participants"]) == {"alice", "bob"}
