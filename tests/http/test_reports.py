"""Reports over HTTP, on the embedded and the scaled stack: filing (every error), auto-hide at the threshold,
the review queue and its three outcomes, the reporters told, and the rate limit."""

from __future__ import annotations

import pytest

from tests.interaction_helpers import API, make_private, notifications_of, publish


@pytest.fixture(params=["embedded", "scaled"])
def stack(request):
    return request.param


async def call(api, method, path, token, **kwargs):
    return await api.call(method, f"{API}{path}", token, **kwargs)


async def report(api, token, target_type, target_id, reason="spam", **extra):
    return await call(api, "POST", "/reports", token,
                      json={"target_type": target_type, "target_id": target_id, "reason": reason, **extra})


async def people(api, count, prefix="reporter"):
    return [await api.register(f"{prefix}{n}") for n in range(count)]


async def test_filing_a_report_and_its_errors(api):
    _, admin_token = await api.register("admin")
    author, author_token = await api.register("author")
    _, reader_token = await api.register("reader")
    post = await publish(api, author_token)
    await api.run_jobs()
    status, body = await report(api, reader_token, "post", post, note="looks like an ad")
    assert status == 201 and body["report_id"].isdigit()
    status, body = await report(api, reader_token, "post", post, reason="other")
    assert status == 409 and body["error"]["code"] == "already_reported"
    status, body = await report(api, author_token, "post", post)
    assert status == 400 and body["error"]["code"] == "cannot_report_self"
    for bad in ({"target_type": "story"}, {"reason": "boring"}, {"target_id": "abc"}, {"target_id": 12},
                {"note": "x" * 1001}):
        data = {"target_type": "post", "target_id": post, "reason": "spam", **bad}
        status, body = await call(api, "POST", "/reports", reader_token, json=data)
        assert status == 400, (bad, body)
    assert (await report(api, reader_token, "post", "123456789"))[0] == 404
    assert (await report(api, reader_token, "comment", "123456789"))[0] == 404
    assert (await report(api, reader_token, "user", "123456789"))[0] == 404
    assert (await report(api, None, "post", post))[0] == 401
    assert admin_token


async def test_what_the_reporter_cannot_see_is_404(api):
    author, author_token = await api.register("author")
    _, reader_token = await api.register("reader")
    await make_private(api, author_token)
    post = await publish(api, author_token)
    await api.run_jobs()
    assert (await report(api, reader_token, "post", post))[0] == 404
    _, stranger_token = await api.register("stranger")
    public_post = await publish(api, stranger_token)
    await api.run_jobs()
    await call(api, "POST", "/users/@reader/block", stranger_token)
    assert (await report(api, reader_token, "post", public_post))[0] == 404
    assert (await report(api, reader_token, "user", author["user_id"]))[0] == 201  # a private account's profile shows


async def test_reports_are_rate_limited(api):
    api.ctx.settings.values["rate_limit_user_reports"] = 2
    _, reader_token = await api.register("reader")
    targets = [(await api.register(f"target{n}"))[0] for n in range(3)]
    for target in targets[:2]:
        assert (await report(api, reader_token, "user", target["user_id"]))[0] == 201
    status, body = await report(api, reader_token, "user", targets[2]["user_id"])
    assert status == 429 and body["error"]["code"] == "rate_limited"


async def test_threshold_hides_a_post_until_dismissed_and_reporters_hear_of_it(api):
    _, admin_token = await api.register("admin")
    author, author_token = await api.register("author")
    _, fan_token = await api.register("fan")
    await call(api, "POST", f"/users/{author['user_id']}/follow", fan_token)
    post = await publish(api, author_token, "#reported")
    await api.run_jobs()
    reporters = await people(api, 3)
    for _, token in reporters[:2]:
        assert (await report(api, token, "post", post))[0] == 201
    assert (await call(api, "GET", f"/posts/{post}", fan_token))[0] == 200  # two reports: not yet
    status, body = await report(api, reporters[2][1], "post", post, reason="nudity")
    report_id = body["report_id"]
    # Hidden: gone for others (post page, feed, tag, counts), still there for its author, marked.
    assert (await call(api, "GET", f"/posts/{post}", fan_token))[0] == 404
    assert (await call(api, "GET", "/feed", fan_token))[1]["posts"] == []
    assert (await call(api, "GET", "/search", fan_token, params={"q": "#reported"}))[1]["hashtags"] == []
    status, body = await call(api, "GET", f"/posts/{post}", author_token)
    assert status == 200 and body["post"]["hidden"] is True
    status, body = await call(api, "GET", "/admin/reports", admin_token)
    assert status == 200
    [case] = body["reports"]
    assert case["report_id"] == report_id and case["reporter_count"] == 3 and case["hidden"] is True
    assert case["reasons"] == {"spam": 2, "nudity": 1} and case["target"]["post_id"] == post

    for bad in ({"action": "ban"}, {"action": "dismiss", "note": "x" * 1001}, {"action": "dismiss", "note": 7}):
        status, body = await call(api, "POST", f"/admin/reports/{report_id}/resolve", admin_token, json=bad)
        assert status == 400, (bad, body)
    status, body = await call(api, "POST", f"/admin/reports/{report_id}/resolve", admin_token, json={"action": "dismiss"})
    assert status == 200 and body["report"]["status"] == "resolved" and body["report"]["action"] == "dismiss"
    assert (await call(api, "GET", f"/posts/{post}", fan_token))[0] == 200
    assert [p["post_id"] for p in (await call(api, "GET", "/feed", fan_token))[1]["posts"]] == [post]
    status, body = await call(api, "POST", f"/admin/reports/{report_id}/resolve", admin_token, json={"action": "remove"})
    assert status == 409 and body["error"]["code"] == "already_resolved"
    for _, token in reporters:
        [told] = [n for n in (await notifications_of(api, token))["notifications"] if n["type"] == "report_resolved"]
        assert told["report"] == {"report_id": report_id, "target_type": "post", "action": "dismiss"}
    status, body = await call(api, "GET", "/admin/reports", admin_token, params={"status": "resolved"})
    assert [r["report_id"] for r in body["reports"]] == [report_id]
    assert (await call(api, "GET", "/admin/reports", admin_token))[1]["reports"] == []


async def test_remove_deletes_a_reported_comment(api):
    _, admin_token = await api.register("admin")
    _, author_token = await api.register("author")
    _, troll_token = await api.register("troll")
    post = await publish(api, author_token)
    await api.run_jobs()
    status, body = await call(api, "POST", f"/posts/{post}/comments", troll_token, json={"text": "rude"})
    comment_id = body["comment"]["comment_id"]
    for _, token in await people(api, 3):
        assert (await report(api, token, "comment", comment_id, reason="harassment"))[0] == 201
    status, body = await call(api, "GET", f"/posts/{post}/comments", author_token)
    assert body["comments"] == []  # hidden: gone for the post's author too
    assert (await call(api, "GET", f"/posts/{post}", author_token))[1]["post"]["comment_count"] == 0
    status, body = await call(api, "GET", f"/posts/{post}/comments", troll_token)
    assert [c["hidden"] for c in body["comments"]] == [True]  # its own author still sees it, marked
    [case] = (await call(api, "GET", "/admin/reports", admin_token))[1]["reports"]
    assert case["target"]["text"] == "rude"
    status, body = await call(api, "POST", f"/admin/reports/{case['report_id']}/resolve", admin_token,
                              json={"action": "remove", "note": "abuse"})
    assert status == 200
    assert (await call(api, "GET", f"/posts/{post}/comments", troll_token))[1]["comments"] == []
    assert (await call(api, "GET", f"/posts/{post}", author_token))[1]["post"]["comment_count"] == 0


async def test_disable_user_on_a_reported_account(api):
    _, admin_token = await api.register("admin")
    spammer, spammer_token = await api.register("spammer")
    _, reader_token = await api.register("reader")
    post = await publish(api, spammer_token)
    await api.run_jobs()
    for _, token in await people(api, 3):
        assert (await report(api, token, "user", spammer["user_id"]))[0] == 201
    assert (await call(api, "GET", "/users/@spammer", reader_token))[0] == 404  # hidden account
    assert (await call(api, "GET", f"/posts/{post}", reader_token))[0] == 404
    [case] = (await call(api, "GET", "/admin/reports", admin_token))[1]["reports"]
    assert case["target"]["username"] == "spammer" and case["target"]["hidden"] is True
    status, body = await call(api, "POST", f"/admin/reports/{case['report_id']}/resolve", admin_token,
                              json={"action": "disable_user"})
    assert status == 200
    assert (await call(api, "GET", "/me", spammer_token))[0] == 401
    assert (await call(api, "GET", "/users/@spammer", reader_token))[0] == 404  # disabled: still gone


async def test_threshold_comes_from_the_setting(api):
    api.ctx.settings.values["report_hide_threshold"] = 1
    _, author_token = await api.register("author")
    _, reader_token = await api.register("reader")
    _, other_token = await api.register("other")
    post = await publish(api, author_token)
    await api.run_jobs()
    assert (await report(api, reader_token, "post", post))[0] == 201
    assert (await call(api, "GET", f"/posts/{post}", other_token))[0] == 404


async def test_comment_counts_leave_out_comments_of_disabled_hidden_and_deleted_accounts(api):
    """What the feed and the post say ("View 3 comments") is what the comment list then shows, for everyone,
    through every change of a commenter's account: disabled and enabled, hidden by reports and shown again,
    deleted while hidden (its comments are not taken out twice)."""
    api.ctx.settings.values["report_hide_threshold"] = 1
    _, admin_token = await api.register("admin")
    author, author_token = await api.register("author")
    _, reader_token = await api.register("reader")
    spammer, spammer_token = await api.register("spammer")
    troll, troll_token = await api.register("troll")
    leaver, leaver_token = await api.register("leaver")
    post = await publish(api, author_token)
    await api.run_jobs()
    assert (await call(api, "POST", f"/users/{author['user_id']}/follow", reader_token))[0] == 200
    comments = {}
    for name, token in (("reader", reader_token), ("spammer", spammer_token), ("troll-a", troll_token),
                        ("troll-b", troll_token), ("leaver", leaver_token)):
        status, body = await call(api, "POST", f"/posts/{post}/comments", token, json={"text": name})
        assert status == 201, body
        comments[name] = body["comment"]["comment_id"]

    async def shown(token):
        """(the post's comment_count, the feed's, how many comments the list shows) for this viewer."""
        count = (await call(api, "GET", f"/posts/{post}", token))[1]["post"]["comment_count"]
        feed = [p["comment_count"] for p in (await call(api, "GET", "/feed", token))[1]["posts"] if p["post_id"] == post]
        listed = (await call(api, "GET", f"/posts/{post}/comments", token, params={"limit": "50"}))[1]["comments"]
        return count, feed, len(listed)

    async def everyone_sees(n):
        assert await shown(reader_token) == (n, [n], n)
        assert await shown(author_token) == (n, [n], n)

    await everyone_sees(5)
    status, body = await call(api, "PATCH", f"/admin/users/{spammer['user_id']}", admin_token, json={"disabled": True})
    assert status == 200 and body["user"]["disabled"] is True
    await everyone_sees(4)
    assert (await report(api, reader_token, "comment", comments["troll-b"]))[0] == 201  # one comment hidden
    await everyone_sees(3)
    assert (await report(api, reader_token, "user", troll["user_id"]))[0] == 201  # then the whole account
    await everyone_sees(2)
    status, _ = await call(api, "POST", f"/posts/{post}/comments", troll_token, json={"text": "troll-c"})
    assert status == 201  # a hidden account may still comment: nobody else sees it, nor counts it
    await everyone_sees(2)
    assert (await report(api, reader_token, "user", leaver["user_id"]))[0] == 201
    await everyone_sees(1)
    status, _ = await call(api, "DELETE", "/me", leaver_token, json={"password": "correct horse battery"})
    assert status == 204
    await everyone_sees(1)

    queue = (await call(api, "GET", "/admin/reports", admin_token))[1]["reports"]
    cases = {case["target_id"]: case["report_id"] for case in queue}
    status, _ = await call(api, "POST", f"/admin/reports/{cases[troll['user_id']]}/resolve", admin_token,
                           json={"action": "dismiss"})
    assert status == 200
    await everyone_sees(3)  # troll-a and troll-c are back; troll-b stays hidden by its own report
    status, _ = await call(api, "PATCH", f"/admin/users/{spammer['user_id']}", admin_token, json={"disabled": False})
    assert status == 200
    await everyone_sees(4)
