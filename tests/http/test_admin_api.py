"""The /admin API over HTTP, on the embedded and the scaled stack: roles (who may call what), users, one-time
passwords, invites, stats, settings, jobs, and the audit log that every decision writes."""

from __future__ import annotations

import pytest

from tests.interaction_helpers import API


@pytest.fixture(params=["embedded", "scaled"])
def stack(request):
    return request.param


async def call(api, method, path, token, **kwargs):
    return await api.call(method, f"{API}{path}", token, **kwargs)


ADMIN_ONLY = [("GET", "/admin/users", None), ("PATCH", "/admin/users/{id}", {"role": "user"}),
              ("POST", "/admin/users/{id}/reset_password", None), ("POST", "/admin/invites", {"count": 1}),
              ("GET", "/admin/invites", None), ("GET", "/admin/stats", None), ("GET", "/admin/settings", None),
              ("GET", "/admin/jobs", None), ("POST", "/admin/jobs/retry", {"all": True}), ("GET", "/admin/audit", None)]


async def test_roles_decide_who_may_call_what(api):
    admin, admin_token = await api.register("admin")  # the first account is the admin
    assert (await call(api, "GET", "/me", admin_token))[1]["user"]["role"] == "admin"
    mod, mod_token = await api.register("mod")
    _, user_token = await api.register("plain")
    assert (await call(api, "GET", "/me", user_token))[1]["user"]["role"] == "user"
    status, body = await call(api, "PATCH", f"/admin/users/{mod['user_id']}", admin_token, json={"role": "moderator"})
    assert status == 200 and body["user"]["role"] == "moderator"
    for method, path, data in ADMIN_ONLY:
        path = path.replace("{id}", mod["user_id"])
        for token in (mod_token, user_token):
            status, body = await call(api, method, path, token, json=data)
            assert status == 403 and body["error"]["code"] == "not_allowed", (method, path, body)
        assert (await call(api, method, path, None, json=data))[0] == 401
    # Moderators work the report queue; plain users may not.
    assert (await call(api, "GET", "/admin/reports", mod_token))[0] == 200
    assert (await call(api, "GET", "/admin/reports", user_token))[0] == 403
    assert (await call(api, "POST", "/admin/reports/123/resolve", user_token, json={"action": "dismiss"}))[0] == 403
    assert (await call(api, "POST", "/admin/reports/123/resolve", mod_token, json={"action": "dismiss"}))[0] == 404
    assert (await call(api, "GET", "/admin/reports/123", mod_token))[0] == 404
    assert (await call(api, "GET", "/admin/reports", mod_token, params={"status": "maybe"}))[0] == 400


async def test_users_search_role_disable_and_the_last_admin(api):
    admin, admin_token = await api.register("admin")
    kid, kid_token = await api.register("kid")
    await api.register("kite")
    status, body = await call(api, "GET", "/admin/users", admin_token, params={"q": "ki"})
    assert [u["username"] for u in body["users"]] == ["kid", "kite"] and body["users"][0]["disabled"] is False
    status, body = await call(api, "GET", "/admin/users", admin_token, params={"limit": "1"})
    assert [u["username"] for u in body["users"]] == ["admin"] and body["next_cursor"]

    status, body = await call(api, "PATCH", f"/admin/users/{kid['user_id']}", admin_token, json={"disabled": True})
    assert status == 200 and body["user"]["disabled"] is True
    assert (await call(api, "GET", "/me", kid_token))[0] == 401
    status, body = await call(api, "POST", "/auth/login", None, json={"username": "kid", "password": "correct horse battery"})
    assert status == 401 and body["error"]["code"] == "account_disabled"
    status, body = await call(api, "PATCH", f"/admin/users/{kid['user_id']}", admin_token, json={"disabled": False})
    assert body["user"]["disabled"] is False

    for change in ({"role": "user"}, {"disabled": True}):
        status, body = await call(api, "PATCH", f"/admin/users/{admin['user_id']}", admin_token, json=change)
        assert status == 409 and body["error"]["code"] == "last_admin"
    for bad in ({"role": "owner"}, {"disabled": "yes"}, {}, {"username": "x"}):
        assert (await call(api, "PATCH", f"/admin/users/{kid['user_id']}", admin_token, json=bad))[0] == 400
    assert (await call(api, "PATCH", "/admin/users/123456789", admin_token, json={"role": "user"}))[0] == 404


async def test_reset_password_gives_a_one_time_password(api):
    _, admin_token = await api.register("admin")
    kid, kid_token = await api.register("kid")
    status, body = await call(api, "POST", f"/admin/users/{kid['user_id']}/reset_password", admin_token)
    assert status == 200
    temporary = body["temporary_password"]
    assert (await call(api, "GET", "/me", kid_token))[0] == 401  # signed out everywhere
    assert (await call(api, "POST", "/auth/login", None, json={"username": "kid", "password": "correct horse battery"}))[0] == 401
    status, body = await call(api, "POST", "/auth/login", None, json={"username": "kid", "password": temporary})
    assert status == 200 and body["user"]["must_change_password"] is True
    token = body["token"]
    assert (await call(api, "POST", "/auth/login", None, json={"username": "kid", "password": temporary}))[0] == 401  # once
    status, body = await call(api, "POST", "/me/password", token, json={"new_password": "a brand new one"})
    assert status == 200 and body["user"]["must_change_password"] is False
    status, body = await call(api, "POST", "/me/password", token, json={"new_password": "yet another one"})
    assert status == 403 and body["error"]["code"] == "wrong_password"  # now the current one is asked for
    status, body = await call(api, "POST", "/me/password", token,
                              json={"current_password": "a brand new one", "new_password": "short"})
    assert status == 400
    status, body = await call(api, "POST", "/auth/login", None, json={"username": "kid", "password": "a brand new one"})
    assert status == 200 and body["user"]["must_change_password"] is False
    assert (await call(api, "POST", "/admin/users/123456789/reset_password", admin_token))[0] == 404


async def test_invites_stats_settings_and_jobs(api):
    admin, admin_token = await api.register("admin")
    status, body = await call(api, "POST", "/admin/invites", admin_token, json={"count": 2})
    assert status == 201 and len(body["codes"]) == 2
    assert (await call(api, "POST", "/admin/invites", admin_token, json={"count": 0}))[0] == 400
    status, body = await call(api, "GET", "/admin/invites", admin_token)
    assert [i["status"] for i in body["invites"]] == ["open", "open"] and body["invites"][0]["created_by"] == "admin"

    status, body = await call(api, "GET", "/admin/stats", admin_token)
    assert status == 200 and body["users"] == 1 and body["posts"] == 0 and body["reports_open"] == 0
    assert set(body["jobs"]) >= {"queued", "failed"} and body["storage_bytes"] >= 0

    status, body = await call(api, "GET", "/admin/settings", admin_token)
    settings = body["settings"]
    assert settings["report_hide_threshold"] == 3 and settings["secret_key"] in ("", "(set)")
    assert "***" in settings["database_url"] or ":" not in settings["database_url"].split("@")[0].split("//")[-1]

    status, body = await call(api, "GET", "/admin/jobs", admin_token, params={"status": "failed"})
    assert status == 200 and body["jobs"] == [] and "failed" in body["counts"]
    assert (await call(api, "GET", "/admin/jobs", admin_token, params={"status": "weird"}))[0] == 400
    assert (await call(api, "POST", "/admin/jobs/retry", admin_token, json={"all": True}))[1] == {"retried": 0}
    assert (await call(api, "POST", "/admin/jobs/retry", admin_token, json={"job_ids": ["12"]}))[1] == {"retried": 0}
    assert (await call(api, "POST", "/admin/jobs/retry", admin_token, json={}))[0] == 400


async def test_every_decision_is_in_the_audit_log(api):
    admin, admin_token = await api.register("admin")
    kid, _ = await api.register("kid")
    await call(api, "PATCH", f"/admin/users/{kid['user_id']}", admin_token, json={"role": "moderator"})
    await call(api, "PATCH", f"/admin/users/{kid['user_id']}", admin_token, json={"disabled": True})
    await call(api, "POST", f"/admin/users/{kid['user_id']}/reset_password", admin_token)
    await call(api, "POST", "/admin/invites", admin_token, json={"count": 1})
    await call(api, "POST", "/admin/jobs/retry", admin_token, json={"all": True})
    status, body = await call(api, "GET", "/admin/audit", admin_token)
    assert status == 200
    actions = [(entry["actor"]["username"], entry["action"], entry["target_id"]) for entry in body["entries"]]
    assert actions == [("admin", "jobs.retry", None), ("admin", "invites.create", None),
                       ("admin", "user.reset_password", kid["user_id"]), ("admin", "user.disable", kid["user_id"]),
                       ("admin", "user.role", kid["user_id"])]
    assert body["entries"][-1]["detail"] == {"role": "moderator", "previous": "user"}
    assert all(entry["created_at"].endswith("Z") for entry in body["entries"])
