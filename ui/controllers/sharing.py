"""Albums, the photo picker, share links and editing a post: what the sharing screens do (docs/sharing.md)."""

from __future__ import annotations

from dataclasses import replace

import flet as ft

from .base import PAGE_SIZE, Feature

# My photos offered by the picker per page.
PICKER_PAGE_SIZE = 30


class SharingController(Feature):
    @property
    def sharing(self):
        return self.state.sharing

    # -- albums ----------------------------------------------------------------------------------
    async def load_albums(self) -> None:
        page = await self.call(lambda: self.api.albums(limit=50), quiet=self.sharing.albums_loaded)
        if page is not None:
            self.sharing.albums = list(page.items)
            self.sharing.albums_loaded = True

    async def create_album(self, title: str, members: list[tuple[str, str]]) -> None:
        """Create an album, add its members (username, role), then open it."""
        title = title.strip()
        if not title:
            self.toast("Give the album a title.")
            return
        self.sharing.busy = True
        try:
            album = await self.call(lambda: self.api.create_album(title))
            if album is None:
                return
            for username, role in members:
                if username.strip():
                    await self.call(lambda u=username.strip(), r=role: self.api.add_album_member(album.album_id, u, r))
            self.sharing.albums_loaded = False
        finally:
            self.sharing.busy = False
        await self.navigate(f"/album/{album.album_id}")

    async def load_album(self, album_id: str, more: bool = False) -> None:
        model = self.sharing.album(album_id)
        cursor = model.next_cursor if more else None
        result = await self.call(lambda: self.api.album(album_id, cursor, PAGE_SIZE * 2))
        if result is None:
            model.error = model.error or "This album could not be loaded."
            return
        album, page = result
        if more:
            model.items = model.items + list(page.items)
            model.next_cursor = page.next_cursor
        else:
            model.replace_all(album, list(page.items), page.next_cursor)

    async def add_member(self, album_id: str, username: str, role: str) -> bool:
        album = await self.call(lambda: self.api.add_album_member(album_id, username.strip(), role))
        if album is None:
            return False
        self.sharing.album(album_id).album = album
        self.toast(f"{username.strip().lstrip('@')} was added as a {role}.")
        return True

    async def leave(self, album_id: str) -> None:
        me = self.state.me
        if me is None:
            return

        async def leave() -> bool:
            await self.api.remove_album_member(album_id, me.user_id)
            return True

        if await self.call(leave) is None:
            return
        self.sharing.open_albums.pop(album_id, None)
        self.sharing.albums_loaded = False
        self.toast("You left the album.")
        await self.navigate(f"/profile/{me.username}")

    async def delete_album(self, album_id: str) -> None:
        if await self.call(lambda: self.api.delete_album(album_id)) is None:
            return
        self.sharing.open_albums.pop(album_id, None)
        self.sharing.albums_loaded = False
        self.toast("Album deleted. The photos in it are still on their authors' profiles.")
        me = self.state.me
        await self.navigate(f"/profile/{me.username}" if me else "/")

    # -- adding photos ---------------------------------------------------------------------------
    async def load_picker(self, more: bool = False) -> None:
        picker, me = self.sharing.picker, self.state.me
        if me is None:
            return
        if not more:
            picker.chosen = []
        page = await self.call(lambda: self.api.user_posts(me.username, picker.next_cursor if more else None, PICKER_PAGE_SIZE))
        if page is None:
            return
        picker.posts = (picker.posts if more else []) + list(page.items)
        picker.next_cursor = page.next_cursor
        picker.loaded = True

    async def add_chosen(self, album_id: str) -> None:
        picker = self.sharing.picker
        if not picker.chosen or picker.busy:
            return
        picker.busy = True
        try:
            items = await self.call(lambda: self.api.add_to_album(album_id, list(picker.chosen)))
        finally:
            picker.busy = False
        if items is None:
            return
        count = len(items)
        self.toast(f"Added {count} photo{'' if count == 1 else 's'}." if count else "Those photos were already in the album.")
        picker.chosen = []
        self.sharing.albums_loaded = False
        await self.navigate(f"/album/{album_id}")
        await self.load_album(album_id)

    async def add_post_to(self, album_id: str, post_id: str) -> None:
        """From a post's menu: put this post in one album."""
        items = await self.call(lambda: self.api.add_to_album(album_id, [post_id]))
        if items is not None:
            title = next((a.title for a in self.sharing.albums if a.album_id == album_id), "the album")
            self.toast(f"Added to {title}." if items else f"It is already in {title}.")
            self.sharing.albums_loaded = False
            await self.navigate(f"/album/{album_id}")

    # -- share links -----------------------------------------------------------------------------
    async def share(self, target_type: str, target_id: str | None = None) -> None:
        link = await self.call(lambda: self.api.create_share_link(target_type, target_id))
        if link is None:
            return
        try:
            await ft.Clipboard().set(link.url)
            self.toast(f"Link copied: {link.url}")
        except Exception:  # no clipboard here (a headless browser): show the link to copy by hand
            self.toast(f"Share this link: {link.url}")
        self.sharing.links_loaded = False

    async def load_links(self) -> None:
        page = await self.call(lambda: self.api.share_links(limit=50), quiet=self.sharing.links_loaded)
        if page is not None:
            self.sharing.links = list(page.items)
            self.sharing.links_loaded = True

    async def revoke(self, link_id: str) -> None:
        if await self.call(lambda: self.api.revoke_share_link(link_id)) is not None:
            self.sharing.links = [link for link in self.sharing.links if link.link_id != link_id]
            self.toast("The link no longer works.")

    # -- editing a post --------------------------------------------------------------------------
    async def edit_post(self, post_id: str, caption: str, alt_texts: list[str]) -> bool:
        post = await self.call(lambda: self.api.edit_post(post_id, caption=caption, alt_texts=alt_texts))
        if post is None:
            return False
        for model in self.state.post_models(post_id):
            model.post = replace(model.post, caption=post.caption, hashtags=post.hashtags, media=post.media,
                                 edited_at=post.edited_at)
        self.toast("Post updated.")
        await self.navigate(f"/post/{post_id}")
        return True
