"""Lists of people (who follows someone, whom they follow, who liked a post), page by page, with Follow on each row."""

from __future__ import annotations

from .base import Feature

PEOPLE_PAGE_SIZE = 20
KINDS = ("followers", "following", "likes")


def list_key(kind: str, subject: str) -> str:
    """``followers:alice``, ``following:alice``, ``likes:<post_id>``."""
    return f"{kind}:{subject}"


class PeopleController(Feature):
    async def load(self, kind: str, subject: str, more: bool = False) -> None:
        people = self.state.people.list_for(list_key(kind, subject))
        if people.loading or (more and not people.next_cursor):
            return
        fetch = {"followers": self.api.followers, "following": self.api.following, "likes": self.api.likes}[kind]
        cursor = people.next_cursor if more else None
        people.loading = True
        try:
            page = await self.call(lambda: fetch(subject, cursor, PEOPLE_PAGE_SIZE))
        finally:
            people.loading = False
        people.loaded = True
        if page is None:
            people.error = people.error if people.users else "This list cannot be shown right now."
            return
        people.error = None
        people.users = (people.users if more else []) + list(page.items)
        people.next_cursor = page.next_cursor

    async def toggle_follow(self, key: str, username: str) -> None:
        people = self.state.people.list_for(key)
        user = next((u for u in people.users if u.username == username), None)
        if user is None or username in people.busy:
            return
        people.busy = {*people.busy, username}
        try:
            if user.followed_by_me or user.follow_requested_by_me:
                answer = await self.call(lambda: self.api.unfollow(username))
                following = requested = False
            else:
                answer = await self.call(lambda: self.api.follow(username))
                following, requested = bool(answer and answer.get("following")), bool(answer and answer.get("requested"))
        finally:
            people.busy = people.busy - {username}
        if answer is None:
            return
        for other in self.state.people.lists.values():  # the same person may be in several lists
            other.relation_changed(username, following=following, requested=requested)
        self.state.feed.loaded = False  # their posts join (or leave) my feed next time it shows
