"""Accounts over HTTP: register, login, logout, me, profile, avatar, invites, deletion."""

import pytest

from tests.conftest import jpeg_bytes


async def test_register_login_me_logout(api):
    status, body = await api.call("POST", "/api/v1/auth/register", json={"username": "Ada.Lovelace", "password": "analytical engine"})
    assert status == 201
    assert body["user"]["username"] == "ada.lovelace"
    assert isinstance(body["user"]["user_id"], str) and body["user"]["user_id"].isdigit()
    assert body["user"]["is_admin"] is True  # the first account administers the server
    token = body["token"]

    status, me = await api.call("GET", "/api/v1/me", token)
    assert status == 200 and me["user"]["username"] == "ada.lovelace"

    status, login = await api.call("POST", "/api/v1/auth/login", json={"username": "ADA.lovelace", "password": "analytical engine"})
    assert status == 200 and login["token"] != token

    assert (await api.call("POST", "/api/v1/auth/logout", token))[0] == 204
    status, body = await api.call("GET", "/api/v1/me", token)
    assert status == 401 and body["error"]["code"] == "unauthorized"
    assert (await api.call("GET", "/api/v1/me", login["token"]))[0] == 200


async def test_second_user_is_not_admin(api):
    await api.register()
    user, _ = await api.register()
    assert user["is_admin"] is False


@pytest.mark.parametrize("username", ["ab", "x" * 31, "has space", "émile", "semi;colon", "", None, 42])
async def test_bad_usernames_are_refused(api, username):
    status, body = await api.call("POST", "/api/v1/auth/register", json={"username": username, "password": "long enough"})
    assert status == 400 and body["error"]["code"] == "invalid_username"


@pytest.mark.parametrize("password", ["short", "", None, 12345678, "x" * 1025])
async def test_bad_passwords_are_refused(api, password):
    status, body = await api.call("POST", "/api/v1/auth/register", json={"username": "someone", "password": password})
    assert status == 400 and body["error"]["code"] == "invalid_password"


async def test_username_taken_is_409(api):
    await api.register("taken")
    status, body = await api.call("POST", "/api/v1/auth/register", json={"username": "TAKEN", "password": "long enough"})
    assert status == 409 and body["error"]["code"] == "username_taken"


async def test_wrong_password_and_unknown_user_look_the_same(api):
    await api.register("real", password="right password")
    wrong = await api.call("POST", "/api/v1/auth/login", json={"username": "real", "password": "wrong password"})
    ghost = await api.call("POST", "/api/v1/auth/login", json={"username": "ghost", "password": "wrong password"})
    assert wrong[0] == ghost[0] == 401
    assert wrong[1]["error"]["message"] == ghost[1]["error"]["message"]


@pytest.mark.parametrize("header", ["Bearer", "Basic abc", "Bearer not-a-real-token", "token"])
async def test_bad_authorization_headers_are_401(api, header):
    status, body = await api.call("GET", "/api/v1/me", headers={"Authorization": header})
    assert status == 401 and "error" in body


async def test_no_token_is_401(api):
    assert (await api.call("GET", "/api/v1/me"))[0] == 401


@pytest.mark.parametrize("body, fragment", [
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "JSON object"),
    (b"", "JSON body is required"),
])
async def test_malformed_json_is_400(api, body, fragment):
    status, answer = await api.call("POST", "/api/v1/auth/register", data=body, headers={"Content-Type": "application/json"})
    assert status == 400 and fragment in answer["error"]["message"]


async def test_oversize_json_body_is_refused(api):
    status, body = await api.call("POST", "/api/v1/auth/register", data=b'{"username": "' + b"a" * 100_000 + b'"}',
                                  headers={"Content-Type": "application/json"})
    assert status == 400 and body["error"]["code"] == "too_large"


async def test_profile_edit(api):
    _, token = await api.register()
    status, body = await api.call("PATCH", "/api/v1/me", token, json={"display_name": " Grandma ", "bio": "Knits 🧶", "is_private": True})
    assert status == 200
    assert body["user"]["display_name"] == "Grandma" and body["user"]["bio"] == "Knits 🧶" and body["user"]["is_private"] is True
    for bad in ({"bio": "x" * 151}, {"is_private": "yes"}, {"display_name": 5}, {"username": "sneaky"}):
        status, body = await api.call("PATCH", "/api/v1/me", token, json=bad)
        assert status == 400, bad


async def test_avatar_upload_strips_to_a_served_square(api):
    _, token = await api.register()
    status, body = await api.call("PUT", "/api/v1/me/avatar", token, data=jpeg_bytes(400, 300), headers={"Content-Type": "image/jpeg"})
    assert status == 200, body
    url = body["user"]["avatar_url"]
    assert url.startswith("/media/")
    response = await api.client.get(url, headers={"Accept": "image/jpeg"})
    assert response.status == 200 and response.headers["Content-Type"] == "image/jpeg"
    from io import BytesIO

    from PIL import Image

    image = Image.open(BytesIO(await response.read()))
    assert image.size == (150, 150)
    assert not image.getexif()


async def test_avatar_refuses_non_images(api):
    _, token = await api.register()
    status, body = await api.call("PUT", "/api/v1/me/avatar", token, data=b"hello, not an image" * 10, headers={"Content-Type": "image/jpeg"})
    assert status == 400 and body["error"]["code"] == "unsupported_media"
    status, body = await api.call("PUT", "/api/v1/me/avatar", token, data=b"", headers={"Content-Type": "image/jpeg"})
    assert status == 400 and body["error"]["code"] == "invalid_media"


async def test_closed_registration(api):
    await api.register()  # the first account may always register, so a fresh server can be set up
    api.ctx.settings.values["registration"] = "closed"
    status, body = await api.call("POST", "/api/v1/auth/register", json={"username": "latecomer", "password": "long enough"})
    assert status == 403 and body["error"]["code"] == "registration_closed"


async def test_invite_only_registration(api):
    await api.register()
    api.ctx.settings.values["registration"] = "invite"
    code = await api.ctx.registration.create_invite()
    no_code = await api.call("POST", "/api/v1/auth/register", json={"username": "guest", "password": "long enough"})
    assert no_code[0] == 403 and no_code[1]["error"]["code"] == "invalid_invite"
    ok = await api.call("POST", "/api/v1/auth/register", json={"username": "guest", "password": "long enough", "invite_code": code})
    assert ok[0] == 201
    reused = await api.call("POST", "/api/v1/auth/register", json={"username": "guest2", "password": "long enough", "invite_code": code})
    assert reused[0] == 403
    # The refused attempt left no half-made account behind.
    assert (await api.call("POST", "/api/v1/auth/login", json={"username": "guest2", "password": "long enough"}))[0] == 401


async def test_delete_account_needs_the_password_and_removes_everything(api):
    _, keeper_token = await api.register("keeper")
    leaver, token = await api.register("leaver")
    status, created = await api.post_photo(token, "bye #farewell")
    assert status == 201
    await api.run_jobs()
    post_id = created["post"]["post_id"]
    media_url = (await api.call("GET", f"/api/v1/posts/{post_id}", token))[1]["post"]["media_url"]
    assert (await api.client.get(media_url)).status == 200

    status, body = await api.call("DELETE", "/api/v1/me", token, json={"password": "wrong one"})
    assert status == 403
    assert (await api.call("DELETE", "/api/v1/me", token, json={}))[0] == 400
    assert (await api.call("DELETE", "/api/v1/me", token, json={"password": "correct horse battery"}))[0] == 204
    await api.run_jobs()

    assert (await api.call("GET", "/api/v1/me", token))[0] == 401
    assert (await api.call("GET", f"/api/v1/posts/{post_id}", keeper_token))[0] == 404
    assert (await api.client.get(media_url)).status == 404
    originals = list((api.ctx.settings.data_path / "media" / "o").rglob("*")) if (api.ctx.settings.data_path / "media" / "o").exists() else []
    assert not [p for p in originals if p.is_file()]
    assert (await api.call("POST", "/api/v1/auth/login", json={"username": "leaver", "password": "correct horse battery"}))[0] == 401


async def test_a_stale_token_does_not_block_signing_in_or_registering(api):
    await api.register("returning", password="right password")
    stale = {"Authorization": "Bearer long-gone-token"}
    status, _ = await api.call("POST", "/api/v1/auth/login", json={"username": "returning", "password": "right password"}, headers=dict(stale))
    assert status == 200
    status, _ = await api.call("POST", "/api/v1/auth/register", json={"username": "newcomer", "password": "long enough"}, headers=dict(stale))
    assert status == 201
    status, body = await api.call("GET", "/api/v1/me", headers=dict(stale))
    assert status == 401 and "not valid" in body["error"]["message"]
