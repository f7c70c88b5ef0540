"""Activity: the notifications list, its unread badge, and answering follow requests."""

from __future__ import annotations

from .base import Feature

# Notifications shown on the activity screen, and follow requests waiting there.
NOTIFICATIONS_PAGE_SIZE = 30
FOLLOW_REQUESTS_PAGE_SIZE = 50


class NotificationsController(Feature):
    async def load(self) -> None:
        model = self.state.notifications
        page = await self.call(lambda: self.api.notifications(None, NOTIFICATIONS_PAGE_SIZE), quiet=model.loaded)
        if page is not None:
            model.items = list(page.items)
            model.unread = page.unread_count or 0
            if model.unread and await self.call(self.api.mark_notifications_read, quiet=True) is not None:
                model.unread = 0
        requests = await self.call(lambda: self.api.follow_requests(None, FOLLOW_REQUESTS_PAGE_SIZE), quiet=True)
        if requests is not None:
            model.follow_requests = list(requests.items)
        model.loaded = True

    async def on_unread(self, count: int) -> None:
        """The live connection heard a new unread count."""
        self.state.notifications.unread = count
        if count and self.state.route == "/notifications":  # the list on screen grows as news arrives
            await self.load()

    async def answer_follow_request(self, user_id: str, approve: bool) -> None:
        action = self.api.approve_follow_request if approve else self.api.deny_follow_request
        if await self.call(lambda: action(user_id)) is not None:
            self.state.notifications.follow_requests = [
                u for u in self.state.notifications.follow_requests if u.user_id != user_id]
