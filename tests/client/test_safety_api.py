"""The API client's safety and admin calls against a real server: blocks, mutes, reports, the /admin console's
API, and signing in with a one-time password. A server of its own, so its first account (the admin) is ours."""

from __future__ import annotations

import json
import urllib.request
import uuid

import pytest

from app.api_client import ApiClient, ApiError
from tests.client.conftest import GENEROUS_LIMITS, PASSWORD, unique_username
from tests.client.photos import write_photo
from tests.e2e.servers import ServerProcess

ADMIN = "root_admin"


@pytest.fixture(scope="module")
def safety_server(tmp_path_factory):
    server = ServerProcess(tmp_path_factory.mktemp("safety-server") / "data", env=GENEROUS_LIMITS).start()
    body = json.dumps({"username": ADMIN, "password": PASSWORD}).encode()
    request = urllib.request.Request(f"{server.url}/api/v1/auth/register", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=10).close()  # the first account is the admin
    yield server
    server.stop()


@pytest.fixture
async def admin(safety_server):
    async with ApiClient(safety_server.url) as client:
        session = await client.login(ADMIN, PASSWORD)
        assert session.user.role == "admin"
        yield client


async def _member(server, prefix: str = "member") -> ApiClient:
    client = ApiClient(server.url)
    await client.register(unique_username(prefix), PASSWORD)
    return client


@pytest.fixture
async def alice(safety_server):
    client = await _member(safety_server, "alice")
    yield client
    await client.aclose()


@pytest.fixture
async def bob(safety_server):
    client = await _member(safety_server, "bob")
    yield client
    await client.aclose()


async def test_block_lists_and_unblock_with_conflict_when_not_blocking(alice, bob):
    target = await bob.me()
    await alice.follow(target.username)
    assert await alice.block(target.user_id) is True
    assert [u.username for u in (await alice.blocks()).items] == [target.username]
    with pytest.raises(ApiError) as hidden:
        await alice.user(target.username)
    assert hidden.value.status == 404  # a blocked account is as if it did not exist
    assert await alice.unblock(target.user_id) is False
    assert (await alice.blocks()).items == ()
    with pytest.raises(ApiError) as again:
        await alice.unblock(target.user_id)
    assert again.value.status == 409


async def test_mute_lists_and_unmute(alice, bob):
    target = await bob.me()
    assert await alice.mute(target.user_id) is True
    assert [u.user_id for u in (await alice.mutes()).items] == [target.user_id]
    assert (await alice.user(target.username)).username == target.username  # a mute hides nothing else
    assert await alice.unmute(target.user_id) is False
    assert (await alice.mutes()).items == ()
    with pytest.raises(ApiError) as self_mute:
        await alice.mute((await alice.me()).user_id)
    assert self_mute.value.status == 400


async def test_a_report_reaches_the_queue_and_is_resolved(admin, alice, bob, tmp_path):
    post = await bob.create_post([write_photo(tmp_path / "p.jpg")], "report me", idempotency_key=str(uuid.uuid4()))
    report_id = await alice.report("post", post.post_id, "spam", "buy now links")
    with pytest.raises(ApiError) as twice:
        await alice.report("post", post.post_id, "spam")
    assert twice.value.status == 409
    queued = [r for r in (await admin.admin_reports("open")).items if r.report_id == report_id]
    assert queued, "the report is not in the open queue"
    report = queued[0]
    assert report.target_type == "post" and report.reasons == {"spam": 1} and report.reporter_count == 1
    assert report.target is not None and report.target.username == (await bob.me()).username
    decided = await admin.resolve_report(report_id, "dismiss", "not spam")
    assert decided.status == "resolved"
    assert report_id not in [r.report_id for r in (await admin.admin_reports("open")).items]
    assert report_id in [r.report_id for r in (await admin.admin_reports("resolved")).items]
    with pytest.raises(ApiError) as again:
        await admin.resolve_report(report_id, "dismiss")
    assert again.value.status == 409


async def test_a_moderator_sees_reports_but_not_the_rest_of_admin(admin, alice):
    me = await alice.me()
    found = [u for u in (await admin.admin_users(me.username)).items if u.user_id == me.user_id]
    assert found and found[0].role == "user" and not found[0].disabled
    assert (await admin.update_admin_user(me.user_id, role="moderator")).role == "moderator"
    assert (await alice.me()).role == "moderator"
    await alice.admin_reports("open")
    with pytest.raises(ApiError) as refused:
        await alice.admin_users("")
    assert refused.value.status == 403


async def test_disabling_an_account_stops_its_sign_in(admin, safety_server):
    member = await _member(safety_server)
    try:
        me = await member.me()
        assert (await admin.update_admin_user(me.user_id, disabled=True)).disabled
        async with ApiClient(safety_server.url) as again:
            with pytest.raises(ApiError) as refused:
                await again.login(me.username, PASSWORD)
        assert refused.value.status in (401, 403)
        assert not (await admin.update_admin_user(me.user_id, disabled=False)).disabled
    finally:
        await member.aclose()


async def test_a_temporary_password_works_once_then_a_new_one_is_set(admin, safety_server):
    member = await _member(safety_server)
    me = await member.me()
    await member.aclose()
    temporary = await admin.reset_password(me.user_id)
    assert temporary and temporary != PASSWORD
    async with ApiClient(safety_server.url) as client:
        session = await client.login(me.username, temporary)
        assert session.user.must_change_password
        changed = await client.change_password("a brand new secret")  # no current password asked then
        assert not changed.must_change_password
    async with ApiClient(safety_server.url) as client:
        assert not (await client.login(me.username, "a brand new secret")).user.must_change_password
        with pytest.raises(ApiError) as used:
            await client.login(me.username, temporary)
        assert used.value.status == 401


async def test_invites_stats_jobs_and_settings(admin):
    codes = await admin.create_invites(2)
    assert len(codes) == 2 and len(set(codes)) == 2
    listed = await admin.admin_invites()  # codes are kept only as hashes: listed, not shown again
    assert sum(1 for i in listed if i.status == "open") >= 2 and not any(i.used for i in listed)
    stats = await admin.admin_stats()
    assert stats.users >= 1 and stats.storage_bytes >= 0
    failed = await admin.admin_jobs("failed")
    assert all(job.status == "failed" for job in failed)
    assert await admin.retry_jobs(None) == len(failed)
    settings = await admin.admin_settings()
    assert settings, "the settings in force were not listed"


def test_a_report_reads_whatever_the_target_is():
    """The queue previews a post, a comment or an account, and a target that is gone, from one shape."""
    from app.admin_types import Report

    post = Report.from_json({"report_id": "1", "target_type": "post", "target_id": "9", "status": "open",
                             "reasons": {"spam": 2, "other": 1}, "reporter_count": 3, "hidden": True,
                             "created_at": "2026-12-03T09:00:00.000Z",
                             "target": {"post_id": "9", "caption": "buy now", "user": {"user_id": "4", "username": "bob"},
                                        "media": [{"variants": {"thumb": "http://s/media/t.jpg"}}]}})
    assert (post.target.username, post.target.text, post.target.image_url, post.target.post_id) == \
        ("bob", "buy now", "http://s/media/t.jpg", "9")
    assert post.hidden and post.reporter_count == 3
    comment = Report.from_json({"report_id": "2", "target_type": "comment", "target_id": "5",
                                "reasons": {"harassment": 1},
                                "target": {"comment_id": "5", "post_id": "9", "text": "go away",
                                           "user": {"user_id": "4", "username": "bob"}}})
    assert (comment.target.username, comment.target.text, comment.target.post_id, comment.reporter_count) == \
        ("bob", "go away", "9", 1)
    gone = Report.from_json({"report_id": "3", "target_type": "user", "target_id": "4", "reasons": {},
                             "target": None, "status": "resolved", "action": "disable_user",
                             "resolved_by": {"username": "root"}, "note": "troll"})
    assert gone.target is None and (gone.action, gone.resolved_by, gone.note) == ("disable_user", "root", "troll")
