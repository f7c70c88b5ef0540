"""First run: the one-time setup code that makes the admin, over the API and the /setup page."""

import re

import pytest

from server import auth
from server.clock import now_ms


async def issue(api, **kwargs) -> str:
    code, expires_at = await api.ctx.registration.issue_setup_code(**kwargs)
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}", code)
    return code


async def register(api, username, code=None, **extra):
    body = {"username": username, "password": "correct horse battery", **extra}
    if code is not None:
        body["setup_code"] = code
    return await api.call("POST", "/api/v1/auth/register", json=body)


async def test_without_an_issued_code_the_first_account_becomes_admin(api):
    assert await api.call("GET", "/api/v1/setup") == (200, {"setup_required": False, "registration": "open"})
    user, _ = await api.register("owner")
    assert user["is_admin"] is True


async def test_while_a_code_is_in_force_nobody_claims_the_server_without_it(api):
    code = await issue(api)
    assert await api.call("GET", "/api/v1/setup") == (200, {"setup_required": True, "registration": "open"})
    status, body = await register(api, "stranger")
    assert status == 403 and body["error"]["code"] == "setup_code_required"
    status, body = await register(api, "stranger", "AAAA-BBBB-CCCC")
    assert status == 403 and body["error"]["code"] == "invalid_setup_code"
    assert await api.ctx.db.read(lambda conn: conn.fetch_val("SELECT COUNT(*) FROM users")) == 0  # nothing half-written

    status, body = await register(api, "owner", " " + code.lower().replace("-", " ") + " ")  # typed back loosely
    assert status == 201, body
    assert body["user"]["is_admin"] is True and body["token"]
    assert await api.call("GET", "/api/v1/setup") == (200, {"setup_required": False, "registration": "open"})

    status, body = await register(api, "late", code)
    assert status == 403 and body["error"]["code"] == "setup_complete"
    user, _ = await api.register("second")  # ordinary registration goes on as the mode says
    assert user["is_admin"] is False


async def test_the_code_works_in_every_registration_mode(api):
    for mode in ("closed", "invite"):
        api.ctx.settings.values["registration"] = mode
        code = await issue(api)
        status, body = await register(api, f"admin{mode}", code)
        assert status == 201 and body["user"]["is_admin"] is True, body
        status, body = await register(api, f"other{mode}")
        assert status == 403 and body["error"]["code"] in ("registration_closed", "invalid_invite")
        await api.ctx.account_deletion.delete_user(await api.ctx.db.read(lambda conn: conn.fetch_val("SELECT id FROM users")))


async def test_a_new_code_replaces_the_old_and_codes_expire(api):
    first = await issue(api)
    second = await issue(api)
    status, body = await register(api, "owner", first)
    assert status == 403 and body["error"]["code"] == "invalid_setup_code"
    await api.ctx.db.write(lambda conn: conn.execute("UPDATE setup_codes SET expires_at = ?", (now_ms() - 1,)))
    status, body = await register(api, "owner", second)
    assert status == 403 and body["error"]["code"] == "invalid_setup_code"
    assert await api.call("GET", "/api/v1/setup") == (200, {"setup_required": True, "registration": "open"})  # still not claimable


async def test_codes_are_stored_hashed(api):
    code = await issue(api)
    stored = await api.ctx.db.read(lambda conn: [row[0] for row in conn.fetch_all("SELECT code_hash FROM setup_codes")])
    assert stored == [auth.setup_code_hash(code)] and code.replace("-", "") not in stored[0]


async def test_a_server_that_lost_every_account_is_not_claimable(api):
    code = await issue(api)
    status, body = await register(api, "owner", code)
    await api.ctx.account_deletion.delete_user(int(body["user"]["user_id"]))
    status, body = await register(api, "squatter")
    assert status == 403 and body["error"]["code"] == "setup_code_required"
    fresh = await issue(api)  # what `photoshare serve` does on its next start
    assert (await register(api, "owner", fresh))[0] == 201


async def test_no_code_is_issued_once_accounts_exist(api):
    await api.register("owner")
    assert await api.ctx.registration.issue_setup_code() is None


async def test_an_admin_made_on_the_machine_uses_the_code_up(api):
    await issue(api)
    await api.ctx.admin.create_user("owner", "correct horse battery")
    assert await api.call("GET", "/api/v1/setup") == (200, {"setup_required": False, "registration": "open"})
    assert (await api.ctx.db.read(lambda conn: conn.fetch_val("SELECT COUNT(*) FROM setup_codes WHERE used_by IS NULL"))) == 0


async def test_setup_code_must_be_a_string(api):
    await issue(api)
    status, body = await register(api, "owner", 123456)
    assert status == 400


# ---- the /setup page -------------------------------------------------------------------------------------


async def page(api, method, **kwargs):
    response = await api.client.request(method, "/setup", **kwargs)
    return response, await response.text()


async def test_setup_page_creates_the_admin(api):
    code = await issue(api)
    response, text = await page(api, "GET", params={"code": code})
    assert response.status == 200 and response.content_type == "text/html"
    assert f'value="{code}"' in text and "Create the admin account" in text
    assert response.headers["Cache-Control"] == "no-store" and response.headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]

    form = {"code": code, "username": "Grandma", "password": "knitting needles", "password2": "knitting needles"}
    response, text = await page(api, "POST", data={**form, "password2": "something else"})
    assert response.status == 400 and "not the same" in text and 'value="Grandma"' in text
    response, text = await page(api, "POST", data={**form, "code": "WRNG-CODE-HERE"})
    assert response.status == 403 and "not right" in text
    response, text = await page(api, "POST", data={**form, "username": "x"})
    assert response.status == 400 and "3 to 30 characters" in text

    response, text = await page(api, "POST", data=form)
    assert response.status == 200 and "You are the admin" in text and "@grandma" in text
    assert await api.ctx.db.read(lambda conn: conn.fetch_val("SELECT COUNT(*) FROM tokens")) == 0  # the page signs nobody in
    _, token = (await api.ctx.sessions.login("grandma", "knitting needles"))
    assert (await api.call("GET", "/api/v1/me", token))[1]["user"]["username"] == "grandma"

    response, text = await page(api, "GET", params={"code": code})
    assert response.status == 200 and "already has its admin" in text
    response, text = await page(api, "POST", data={**form, "username": "intruder"})
    assert "already has its admin" in text
    assert await api.ctx.db.read(lambda conn: conn.fetch_val("SELECT COUNT(*) FROM users")) == 1


async def test_setup_page_escapes_what_it_echoes(api):
    await issue(api)
    response, text = await page(api, "GET", params={"code": '"><script>alert(1)</script>'})
    assert "<script>" not in text and "&lt;script&gt;" in text


async def test_setup_page_limits_guessing(api):
    await issue(api)
    statuses = []
    for _ in range(12):
        response, _ = await page(api, "POST", data={"code": "AAAA-AAAA-AAAA", "username": "guesser",
                                                     "password": "password123", "password2": "password123"})
        statuses.append(response.status)
    assert statuses[0] == 403 and statuses[-1] == 429


@pytest.mark.parametrize("has_users", [False, True])
async def test_setup_page_without_a_code_in_force(api, has_users):
    if has_users:
        await api.register("owner")
    response, text = await page(api, "GET")
    if has_users:
        assert "already has its admin" in text
    else:  # require_setup_code = false: the form needs no code and makes the first account the admin
        assert 'name="code"' not in text and 'name="username"' in text


@pytest.mark.parametrize("mode", ["invite", "closed"])
async def test_the_registration_mode_is_public_so_a_sign_in_screen_asks_for_what_is_needed(api, mode):
    api.ctx.settings.values["registration"] = mode
    assert await api.call("GET", "/api/v1/setup") == (200, {"setup_required": False, "registration": mode})
