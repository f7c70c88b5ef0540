"""How Explore ranks its candidates: every weight is named here, and nothing else decides an order.

A candidate post comes from one or more pools (``services/explore.py``): posts liked or commented by people
whose likes overlap the viewer's (*co-engagement*), posts carrying hashtags the viewer engages with, and what
is popular on this server lately. Its score is

    relevance × engagement rate × time decay

- **relevance** = 1 + ``CO_ENGAGEMENT_WEIGHT`` × (its co-engagement, relative to the strongest candidate's)
  + ``HASHTAG_WEIGHT`` × (the share of its tags the viewer engages with, at most 1); a post that is only
  popular has relevance 1.
- **engagement rate** = (``LIKE_WEIGHT`` × likes + ``COMMENT_WEIGHT`` × comments + 1) divided by the audience the
  author could reach (followers + ``AUDIENCE_PRIOR``): ten likes from a small account's fifty followers say more
  than ten from a celebrity's fifty thousand. The +1 and the prior keep new posts and new accounts in the race.
- **time decay** halves every ``HALF_LIFE_HOURS``.

A page then takes the best-scored posts it has not shown in this session, at most ``MAX_PER_AUTHOR_PER_PAGE``
from one author (the others wait for a later page).
"""

from __future__ import annotations

import dataclasses
from array import array
from typing import Iterable

CO_ENGAGEMENT_WEIGHT = 3.0  # people who like what I like are the best predictor of what I will like
HASHTAG_WEIGHT = 1.5  # a topic I engage with: a good signal, but broader than a person's taste
LIKE_WEIGHT = 1.0
COMMENT_WEIGHT = 3.0  # a comment costs more effort than a like, and says more
AUDIENCE_PRIOR = 20  # followers added to every author's count, so a brand-new account's first like is not a rate of 100%
HALF_LIFE_HOURS = 36.0  # explore is about "lately": yesterday's post is worth about two thirds of today's
MAX_PER_AUTHOR_PER_PAGE = 2

HOUR_MS = 3_600_000


@dataclasses.dataclass
class Candidate:
    post_id: int
    author_id: int
    created_at: int  # ms
    like_count: int
    comment_count: int
    author_followers: int
    co_engagement: float = 0.0  # summed like overlap of the people who engaged with it
    tag_share: float = 0.0  # the share of its hashtags the viewer engages with (0..1)
    score: float = 0.0


def engagement_rate(candidate: Candidate) -> float:
    engagement = LIKE_WEIGHT * candidate.like_count + COMMENT_WEIGHT * candidate.comment_count + 1
    return engagement / (candidate.author_followers + AUDIENCE_PRIOR)


def time_decay(created_at: int, now: int) -> float:
    age_hours = max(0.0, (now - created_at) / HOUR_MS)
    return 0.5 ** (age_hours / HALF_LIFE_HOURS)


def rank(candidates: Iterable[Candidate], now: int) -> list[Candidate]:
    """The candidates scored and best first (ties: the newer post first)."""
    candidates = list(candidates)
    strongest = max((c.co_engagement for c in candidates), default=0.0) or 1.0
    for candidate in candidates:
        relevance = 1.0 + CO_ENGAGEMENT_WEIGHT * (candidate.co_engagement / strongest) + HASHTAG_WEIGHT * min(1.0, candidate.tag_share)
        candidate.score = relevance * engagement_rate(candidate) * time_decay(candidate.created_at, now)
    candidates.sort(key=lambda c: (-c.score, -c.post_id))
    return candidates


class RankedPool:
    """A ranked pool as it is cached: two arrays of 64-bit integers (post ids and their authors), best first.

    Arrays hold no Python objects, so the thousands of pools of the people browsing give the garbage collector
    nothing to walk (500 candidate objects per viewer did: each full collection then took hundreds of ms).
    """

    __slots__ = ("post_ids", "author_ids")

    def __init__(self, ranked: list[Candidate]) -> None:
        self.post_ids = array("q", [candidate.post_id for candidate in ranked])
        self.author_ids = array("q", [candidate.author_id for candidate in ranked])

    def __len__(self) -> int:
        return len(self.post_ids)


def page_of(pool: RankedPool, seen: set[int], limit: int) -> tuple[list[int], bool]:
    """The next page's post ids: the best unseen candidates, at most ``MAX_PER_AUTHOR_PER_PAGE`` per author; and
    whether unseen candidates remain for later pages."""
    page: list[int] = []
    per_author: dict[int, int] = {}
    remaining = False
    for post_id, author_id in zip(pool.post_ids, pool.author_ids):
        if post_id in seen:
            continue
        if len(page) == limit or per_author.get(author_id, 0) >= MAX_PER_AUTHOR_PER_PAGE:
            remaining = True
            if len(page) == limit:
                break
            continue
        page.append(post_id)
        per_author[author_id] = per_author.get(author_id, 0) + 1
    return page, remaining
