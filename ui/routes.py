"""The one route table. The route in the address bar is the single source of truth for navigation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .navigation import TABS  # noqa: F401 (the bottom bar's destinations, imported from here too)

from .views import (admin, albums, blocked, create, edit_post, edit_profile, explore, feed, notifications, people_list,
                    post_detail, profile, saved, search, settings, sign_in, stories, tag)


@dataclass(frozen=True)
class Route:
    pattern: str  # "/profile/:username"
    view: Callable  # a component taking (state, **params)
    title: str
    needs_account: bool = True
    tab: str | None = None  # the tab lit when nothing came before this screen (else it stays on the tab it came from)
    app_bar: bool = True  # a screen pushed on a tab gets a bar with Back and its title (not the full-screen story viewer)

    def match(self, route: str) -> dict[str, str] | None:
        want, got = self.pattern.strip("/").split("/"), route.split("?")[0].strip("/").split("/")
        if len(want) != len(got):
            return None
        params = {}
        for part, value in zip(want, got):
            if part.startswith(":"):
                if not value:
                    return None
                params[part[1:]] = value
            elif part != value:
                return None
        return params


ROUTES = (
    Route("/welcome", sign_in.SignInView, "Sign in", needs_account=False),
    Route("/", feed.FeedView, "PhotoShare", tab="/"),
    Route("/search", search.SearchView, "Search", tab="/search"),
    Route("/explore", explore.ExploreView, "Explore", tab="/explore"),
    Route("/stories/:username", stories.StoryViewerView, "Stories", tab="/", app_bar=False),
    Route("/create", create.CreateView, "New post", tab="/create"),
    Route("/notifications", notifications.NotificationsView, "Activity", tab="/notifications"),
    Route("/profile/:username", profile.ProfileView, "Profile", tab="/me"),
    Route("/edit-profile", edit_profile.EditProfileView, "Edit profile", tab="/me"),
    Route("/post/:post_id", post_detail.PostDetailView, "Post"),
    Route("/tags/:tag", tag.TagView, "Hashtag", tab="/search"),
    Route("/saved", saved.SavedView, "Saved", tab="/me"),
    Route("/settings", settings.SettingsView, "Settings", tab="/me"),
    Route("/settings/:which", blocked.AccountsListView, "Settings", tab="/me"),  # blocked | muted
    Route("/admin", admin.AdminView, "Admin console", tab="/me"),
    Route("/admin/:section", admin.AdminView, "Admin console", tab="/me"),
    Route("/albums/new", albums.NewAlbumView, "New album", tab="/me"),
    Route("/album/:album_id", albums.AlbumView, "Album", tab="/me"),
    Route("/album/:album_id/add", albums.AlbumPickerView, "Add photos", tab="/me"),
    Route("/post/:post_id/add-to-album", albums.AddToAlbumView, "Add to album"),
    Route("/post/:post_id/edit", edit_post.EditPostView, "Edit post"),
    Route("/profile/:username/followers", people_list.FollowersView, "Followers", tab="/me"),
    Route("/profile/:username/following", people_list.FollowingView, "Following", tab="/me"),
    Route("/post/:post_id/likes", people_list.LikersView, "Likes"),
)


def resolve(route: str) -> tuple[Route, dict[str, str]]:
    for candidate in ROUTES:
        params = candidate.match(route or "/")
        if params is not None:
            return candidate, params
    return ROUTES[1], {}  # unknown addresses show the feed
