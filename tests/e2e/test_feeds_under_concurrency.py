"""Feeds under concurrent use, through HTTP, against real processes: the reported failures, and a model check.

Two deployments: the embedded default (one ``serve``, SQLite, memory timelines) and the scaled one (two
``serve`` processes that run no jobs and a ``worker``, on PostgreSQL + Redis + S3; clients spread their
requests over both servers). The celebrity threshold is 3, so authors cross it as people follow.

- Several client threads follow, unfollow, post, delete and read at once; then, once no job is left, every
  feed read to its end equals the model kept from the answers: own posts plus the posts of the accounts
  followed, newest first. The wait is bounded (1 s embedded, 2 s scaled after the queue emptied).
- A burst of posts from two followees is all in the follower's feed the moment each post reads ``ready``.
- A post by an author who just became a celebrity is in an earlier follower's feed at once.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time

import httpx
import pytest

from tests.conftest import jpeg_bytes
from tests.e2e.servers import ServerProcess

pytestmark = pytest.mark.slow

THRESHOLD = "3"
READY_TIMEOUT_SECONDS = 120
QUIET_BOUND_SECONDS = {"embedded": 1.0, "scaled": 2.0}  # from an empty queue to every feed right
ACCOUNTS = 8
THREADS = 4
STEPS_PER_THREAD = 30


@pytest.fixture(params=["embedded", "scaled"])
def deployment(request, tmp_path):
    """(stack name, server URLs) for a running deployment."""
    env = {"PHOTOSHARE_CELEBRITY_THRESHOLD": THRESHOLD}
    with contextlib.ExitStack() as stack:
        processes: list[ServerProcess] = []
        if request.param == "embedded":
            stack.callback(lambda: [process.stop() for process in processes])
            processes.append(ServerProcess(tmp_path / "data", env=env).start())
            yield request.param, [processes[0].url]
            return
        from tests.backends.postgres import fresh_postgres
        from tests.backends.redis import fresh_redis
        from tests.backends.s3 import fresh_s3

        shared = {}
        for backend in (fresh_postgres(), fresh_redis(), fresh_s3()):
            shared.update({f"PHOTOSHARE_{name.upper()}": str(value) for name, value in stack.enter_context(backend).items()})
        shared.update(env, PHOTOSHARE_SECRET_KEY="feeds-under-concurrency")
        stack.callback(lambda: [process.stop() for process in processes])  # stopped before the backends go
        for name in ("a", "b"):
            processes.append(ServerProcess(tmp_path / name / "data", env={**shared, "PHOTOSHARE_JOB_WORKERS": "0"}).start())
        processes.append(ServerProcess(tmp_path / "w" / "data", env={**shared, "PHOTOSHARE_JOB_WORKERS": "2"}, command="worker").start())
        yield request.param, [processes[0].url, processes[1].url]


class Client:
    """One person's session; each request goes to one of the deployment's servers in turn."""

    def __init__(self, urls: list[str], username: str) -> None:
        self.urls = urls
        self.http = httpx.Client(timeout=60)
        self.turn = random.Random(username).randrange(len(urls))
        status, body = self.call("POST", "/auth/register", json={"username": username, "password": "feeds never lie"})
        assert status == 201, body
        self.user_id, self.token = body["user"]["user_id"], body["token"]

    def call(self, method: str, path: str, **kwargs):
        self.turn += 1
        url = self.urls[self.turn % len(self.urls)] + "/api/v1" + path
        headers = {"Authorization": f"Bearer {self.token}"} if getattr(self, "token", None) else {}
        response = self.http.request(method, url, headers=headers, **kwargs)
        return response.status_code, response.json() if response.content else None

    def post_photo(self, seed: int) -> str:
        photo = jpeg_bytes(96, 72, color=(seed * 37 % 256, seed * 91 % 256, seed * 53 % 256))
        status, body = self.call("POST", "/posts", files={"media": ("p.jpg", photo, "image/jpeg")}, data={"caption": f"post {seed}"})
        assert status == 201, body
        return body["post"]["post_id"]

    def feed(self, limit: int) -> list[str]:
        shown, cursor = [], None
        for _ in range(100):
            status, body = self.call("GET", f"/feed?limit={limit}" + (f"&cursor={cursor}" if cursor else ""))
            assert status == 200, body
            shown += [post["post_id"] for post in body["posts"]]
            cursor = body["next_cursor"]
            if cursor is None:
                return shown
        raise AssertionError("the feed's pages never ended")


def newest_first(post_ids) -> list[str]:
    return sorted(post_ids, key=int, reverse=True)


def jobs_left(url: str) -> int:
    """Queued and running jobs of the whole deployment, from a server's metrics."""
    text = httpx.get(url + "/metrics", timeout=10).text
    return sum(int(float(line.split()[-1])) for line in text.splitlines()
               if line.startswith(("photoshare_jobs_queued", "photoshare_jobs_running")))


def wait_until_quiet(url: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while jobs_left(url):
        assert time.monotonic() < deadline, "jobs never finished"
        time.sleep(0.05)


def wait_until_ready(client: Client, post_ids: list[str]) -> None:
    """Each post reads ``ready`` to its author (what a person waits for before telling anyone)."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    pending = list(post_ids)
    while pending:
        status, body = client.call("GET", f"/posts/{pending[0]}")
        assert status == 200, body
        if all(medium["status"] == "ready" for medium in body["post"]["media"]):
            pending.pop(0)
            continue
        assert time.monotonic() < deadline, f"post {pending[0]} never became ready"
        time.sleep(0.05)


def test_feeds_equal_the_model_after_concurrent_follows_posts_deletes_and_reads(deployment):
    stack, urls = deployment
    clients = [Client(urls, f"person{n}") for n in range(ACCOUNTS)]
    lock = threading.Lock()
    follows: set[tuple[str, str]] = set()
    posts: dict[str, str] = {}  # post id -> author id
    errors: list[BaseException] = []

    def person(index: int) -> None:
        rng = random.Random(index)
        me = clients[index]
        try:
            for step in range(STEPS_PER_THREAD):
                other = clients[rng.randrange(ACCOUNTS)]
                action = rng.choices(["follow", "unfollow", "post", "delete", "read"], weights=[4, 2, 3, 1, 3])[0]
                if action == "follow" and other is not me:
                    status, _ = me.call("POST", f"/users/{other.user_id}/follow")
                    assert status in (200, 409), status
                    with lock:
                        follows.add((me.user_id, other.user_id))
                elif action == "unfollow" and other is not me:
                    status, _ = me.call("DELETE", f"/users/{other.user_id}/follow")
                    assert status in (200, 409), status
                    with lock:
                        follows.discard((me.user_id, other.user_id))
                elif action == "post":
                    post_id = me.post_photo(index * 1000 + step)
                    with lock:
                        posts[post_id] = me.user_id
                elif action == "delete":
                    with lock:
                        mine = sorted(p for p, author in posts.items() if author == me.user_id)
                    if mine:
                        victim = rng.choice(mine)
                        status, _ = me.call("DELETE", f"/posts/{victim}")
                        assert status == 204, status
                        with lock:
                            del posts[victim]
                else:
                    me.feed(rng.randint(3, 20))
        except BaseException as exc:  # reported after the join
            errors.append(exc)

    threads = [threading.Thread(target=person, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors

    wait_until_quiet(urls[0])
    deadline = time.monotonic() + QUIET_BOUND_SECONDS[stack]
    while True:
        wrong = {}
        for client in clients:
            expected = newest_first(p for p, author in posts.items()
                                    if author == client.user_id or (client.user_id, author) in follows)
            shown = client.feed(7)
            if shown != expected:
                wrong[client.user_id] = {"missing": sorted(set(expected) - set(shown)),
                                         "extra": sorted(set(shown) - set(expected)),
                                         "order_or_duplicates": len(shown) != len(set(shown)) or shown != newest_first(shown)}
        if not wrong or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert not wrong, f"{len(wrong)} feeds differ from the model once quiet: {wrong}"


def test_a_burst_of_posts_from_two_followees_is_whole_in_the_feed_once_ready(deployment):
    """The reported case: A posts; B follows A and reads; E registers; B follows E; A and E publish 44
    photos alternately; once every photo is ready, B's pages of 20 hold all 45 posts."""
    _, urls = deployment
    a, b = Client(urls, "alice"), Client(urls, "bob")
    first = a.post_photo(0)
    assert b.call("POST", f"/users/{a.user_id}/follow")[0] == 200
    wait_until_ready(a, [first])
    assert b.feed(20) == [first]
    e = Client(urls, "erin")
    assert b.call("POST", f"/users/{e.user_id}/follow")[0] == 200
    burst = [(a if n % 2 == 0 else e).post_photo(n + 1) for n in range(44)]
    wait_until_ready(a, burst[0::2])
    wait_until_ready(e, burst[1::2])
    assert b.feed(20) == newest_first([first, *burst])


def test_a_new_celebritys_post_reaches_an_earlier_follower_at_once(deployment):
    """The reported case: B follows A and reads (their merged page is cached); A crosses the celebrity
    threshold; A's next post is in B's feed the moment it is ready, as in a new follower's."""
    _, urls = deployment
    a, b = Client(urls, "star"), Client(urls, "early")
    assert b.call("POST", f"/users/{a.user_id}/follow")[0] == 200
    assert b.feed(20) == []
    fans = [Client(urls, f"fan{n}") for n in range(int(THRESHOLD))]
    for fan in fans:
        assert fan.call("POST", f"/users/{a.user_id}/follow")[0] == 200
    post = a.post_photo(1)
    wait_until_ready(a, [post])
    assert b.feed(20) == [post]
    assert fans[-1].feed(20) == [post]
