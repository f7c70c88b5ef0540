"""The load benchmark's traffic: a realistic mix of what people do, with the state a real client keeps.

Each request is one user's action, the user drawn from the run's active users. Users remember what they
saw (their last feed page and its cursor), what they liked and whom they followed in this run, so that
likes, comments and unlikes hit posts that exist and are visible, next pages follow real cursors, and
unfollows undo real follows. The weights (``MIX``) follow issue #10: mostly feed reads.

A step is closed-loop: ``concurrency`` tasks, each sending its next request when the last one answered,
for ``seconds``; every answer's latency is recorded by operation (``StepResult``). Expected conflicts (a
like racing another on the same post, a follow of someone already followed) are answers, not failures;
anything else that is not 2xx is counted as an error.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import random
import time
from collections import deque

import aiohttp
import orjson

FEED_PAGE = 20  # what the app asks for
NEXT_PAGE_SHARE = 0.25  # of feed reads: scrolling on from the last page seen, when there is one
UNLIKE_SHARE = 0.25  # of like actions: taking a like back
UNFOLLOW_SHARE = 0.5  # of follow actions
RECENT_POSTS = 5_000  # posts seen lately by anyone: what profile reads and likes fall back on
PHOTO_SIDE = (480, 360)  # a small real photo: media processing runs for real but does not dominate the mix
REQUEST_TIMEOUT_SECONDS = 30

# Operation -> share of requests (issue #10: 80 % feed, 8 % likes, 4 % comments, 3 % follows, 3 % profiles, 2 % posts).
MIX = {"feed": 0.80, "like": 0.08, "comment": 0.04, "follow": 0.03, "profile": 0.03, "post": 0.02}
# What each operation is reported as: the feed's first and next pages differ in cost, as do likes and unlikes.
OPERATIONS = ("feed_first", "feed_next", "like", "unlike", "comment", "follow", "unfollow", "profile", "post")
EXPECTED_CONFLICT = 409


@dataclasses.dataclass
class UserState:
    cursor: str | None = None
    last_page: list[tuple[int, int]] = dataclasses.field(default_factory=list)  # (post id, author id)
    liked: list[int] = dataclasses.field(default_factory=list)
    followed: list[int] = dataclasses.field(default_factory=list)
    unfollowed: set[int] = dataclasses.field(default_factory=set)


@dataclasses.dataclass
class StepResult:
    concurrency: int
    seconds: float = 0.0
    latencies: dict[str, list[float]] = dataclasses.field(default_factory=lambda: {op: [] for op in OPERATIONS})
    errors: dict[str, int] = dataclasses.field(default_factory=dict)  # "op status" -> count
    conflicts: int = 0
    error_samples: list[str] = dataclasses.field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(len(values) for values in self.latencies.values())

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def all_latencies(self) -> list[float]:
        return [value for values in self.latencies.values() for value in values]

    def summary(self) -> dict:
        every = self.all_latencies()
        return {
            "concurrency": self.concurrency, "seconds": round(self.seconds, 1), "requests": self.requests,
            "requests_per_second": round(self.requests / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": percentile(every, 50), "p99_ms": percentile(every, 99),
            "errors": self.error_count, "conflicts": self.conflicts,
            "operations": {op: {"count": len(values), "p50_ms": percentile(values, 50), "p99_ms": percentile(values, 99)}
                           for op, values in self.latencies.items() if values},
            **({"error_kinds": self.errors, "error_samples": self.error_samples} if self.errors else {}),
        }


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile, in milliseconds rounded to 0.1."""
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(pct / 100 * len(ordered) + 0.5)) - 1))
    return round(ordered[index] * 1000, 1)


def make_photo(rng: random.Random) -> bytes:
    """A small, unique JPEG: a colour gradient with a random block, so no two uploads are the same file."""
    from PIL import Image, ImageDraw

    width, height = PHOTO_SIDE
    top, bottom = [rng.randrange(256) for _ in range(3)], [rng.randrange(256) for _ in range(3)]
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    image = Image.merge("RGB", [band.point(lambda v, a=a, b=b: a + (b - a) * v // 255)
                                for band, a, b in zip(image.split(), top, bottom)])
    draw = ImageDraw.Draw(image)
    x, y = rng.randrange(width - 60), rng.randrange(height - 60)
    draw.rectangle((x, y, x + 40 + rng.randrange(20), y + 40 + rng.randrange(20)), fill=tuple(rng.randrange(256) for _ in range(3)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


class LoadMix:
    """Drives the mix against one server. ``users``: the active users' ids; ``token_for``: id -> bearer token."""

    def __init__(self, base_url: str, users: list[int], token_for, all_user_ids: list[int], seed: int = 10,
                 photos: int = 200) -> None:
        self.base_url = base_url
        self.users = users
        self.headers = {user_id: {"Authorization": f"Bearer {token_for(user_id)}"} for user_id in users}
        self.everyone = all_user_ids
        self.rng = random.Random(seed)
        self.state = {user_id: UserState() for user_id in users}
        self.recent: deque[tuple[int, int]] = deque(maxlen=RECENT_POSTS)
        self.photos = [make_photo(self.rng) for _ in range(photos)]  # made before any step: no encoding on the clock
        self.photo_index = 0
        self.posted: list[int] = []  # ids of posts created, for the report
        self.feed_readers: set[int] = set()  # users whose feed was read: the audit's warm timelines
        self.followers_changed: set[int] = set()  # users who followed or unfollowed someone
        self._ops = list(MIX)
        self._weights = [MIX[op] for op in self._ops]

    # -- one request ----------------------------------------------------------------------------------

    async def _request(self, session: aiohttp.ClientSession, result: StepResult | None, op: str, method: str,
                       path: str, user_id: int, **kwargs) -> tuple[int, object]:
        started = time.perf_counter()
        try:
            async with session.request(method, self.base_url + path, headers=self.headers[user_id], **kwargs) as response:
                raw = await response.read()
                status = response.status
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            status, raw = 0, repr(exc).encode()
        elapsed = time.perf_counter() - started
        body = None
        if raw and status:
            try:
                body = orjson.loads(raw)
            except orjson.JSONDecodeError:
                body = raw[:200]
        if result is not None:
            result.latencies[op].append(elapsed)
            if status == EXPECTED_CONFLICT:
                result.conflicts += 1
            elif not 200 <= status < 300:
                key = f"{op} {status}"
                result.errors[key] = result.errors.get(key, 0) + 1
                if len(result.error_samples) < 5:
                    result.error_samples.append(f"{method} {path}: {status} {str(body)[:200]}")
        return status, body

    def _a_post(self, user: UserState) -> tuple[int, int] | None:
        if user.last_page and self.rng.random() < 0.8:
            return self.rng.choice(user.last_page)
        if self.recent:
            return self.rng.choice(self.recent)
        return None

    async def act(self, session: aiohttp.ClientSession, result: StepResult | None, op: str | None = None) -> None:
        rng = self.rng
        user_id = rng.choice(self.users)
        user = self.state[user_id]
        op = op or rng.choices(self._ops, self._weights)[0]
        if op == "feed":
            await self._feed(session, result, user_id, user)
        elif op == "like":
            if user.liked and rng.random() < UNLIKE_SHARE:
                post_id = user.liked.pop(rng.randrange(len(user.liked)))
                await self._request(session, result, "unlike", "DELETE", f"/api/v1/posts/{post_id}/likes", user_id)
                return
            target = self._a_post(user)
            if target is None:
                return await self._feed(session, result, user_id, user)
            status, _ = await self._request(session, result, "like", "POST", f"/api/v1/posts/{target[0]}/likes", user_id)
            if status == 201:
                user.liked.append(target[0])
        elif op == "comment":
            target = self._a_post(user)
            if target is None:
                return await self._feed(session, result, user_id, user)
            await self._request(session, result, "comment", "POST", f"/api/v1/posts/{target[0]}/comments", user_id,
                                json={"text": f"Lovely! #{rng.randrange(1000)}"})
        elif op == "follow":
            await self._follow(session, result, user_id, user)
        elif op == "profile":
            target = self._a_post(user)
            author = target[1] if target else rng.choice(self.everyone)
            await self._request(session, result, "profile", "GET", f"/api/v1/users/{author}/posts?limit={FEED_PAGE}", user_id)
        else:
            await self._post(session, result, user_id)

    async def _feed(self, session, result, user_id: int, user: UserState) -> None:
        if user.cursor and self.rng.random() < NEXT_PAGE_SHARE:
            op, path = "feed_next", f"/api/v1/feed?limit={FEED_PAGE}&cursor={user.cursor}"
        else:
            op, path = "feed_first", f"/api/v1/feed?limit={FEED_PAGE}"
        status, body = await self._request(session, result, op, "GET", path, user_id)
        if status == 200:
            self.feed_readers.add(user_id)
            page = [(int(post["post_id"]), int(post["user_id"])) for post in body["posts"]]
            user.cursor = body["next_cursor"]
            if page:
                user.last_page = page
                self.recent.extend(page)

    async def _follow(self, session, result, user_id: int, user: UserState) -> None:
        rng = self.rng
        if rng.random() < UNFOLLOW_SHARE:
            # Undo a follow from this run, or leave an author seen in the feed (they are followed).
            if user.followed:
                target = user.followed.pop(rng.randrange(len(user.followed)))
            else:
                authors = [author for _, author in user.last_page if author != user_id and author not in user.unfollowed]
                if not authors:
                    return await self._feed(session, result, user_id, user)
                target = rng.choice(authors)
            status, _ = await self._request(session, result, "unfollow", "DELETE", f"/api/v1/users/{target}/follow", user_id)
            if status == 200:
                user.unfollowed.add(target)
                self.followers_changed.add(user_id)
            return
        target = rng.choice(self.everyone)
        if target == user_id:
            return await self._feed(session, result, user_id, user)
        status, _ = await self._request(session, result, "follow", "POST", f"/api/v1/users/{target}/follow", user_id)
        if status == 200:
            user.followed.append(target)
            user.unfollowed.discard(target)
            self.followers_changed.add(user_id)

    async def _post(self, session, result, user_id: int) -> None:
        photo = self.photos[self.photo_index % len(self.photos)]
        self.photo_index += 1
        form = aiohttp.FormData()
        form.add_field("media", photo, filename="photo.jpg", content_type="image/jpeg")
        form.add_field("caption", f"load test {self.photo_index} #bench")
        status, body = await self._request(session, result, "post", "POST", "/api/v1/posts", user_id, data=form)
        if status == 201:
            self.posted.append(int(body["post"]["post_id"]))

    # -- steps ----------------------------------------------------------------------------------------

    async def step(self, concurrency: int, seconds: float, op: str | None = None, record: bool = True) -> StepResult:
        """``concurrency`` closed-loop clients for ``seconds``; ``op`` forces one operation (warm-up)."""
        result = StepResult(concurrency)
        connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            deadline = time.perf_counter() + seconds

            async def client() -> None:
                while time.perf_counter() < deadline:
                    await self.act(session, result if record else None, op)

            started = time.perf_counter()
            await asyncio.gather(*(client() for _ in range(concurrency)))
            result.seconds = time.perf_counter() - started
        return result
