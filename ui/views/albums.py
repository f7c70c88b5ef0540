"""Albums: my albums (the profile's Albums tab), a new album with its members, one album's screen, and the
picker that adds many of my photos at once."""

from __future__ import annotations

import flet as ft

from app.api_types import Post

from ..components.photo import Avatar, Photo
from ..components.post_card import action_icon
from ..context import act, go, typed_into, use_controller
from ..models import AppState
from ..sharing_models import AlbumModel, PickerModel, SharingState
from ..theme import CONTENT_MAX_WIDTH, GRID_COLUMNS, SPACING

ROLE_LABELS = {"contributor": "Contributor (adds photos)", "viewer": "Viewer"}


def _screen(*controls: ft.Control) -> ft.Control:
    return ft.Container(alignment=ft.Alignment.TOP_CENTER, padding=SPACING, expand=True, content=ft.Column(
        list(controls), width=CONTENT_MAX_WIDTH, expand=True, scroll=ft.ScrollMode.AUTO, spacing=SPACING,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH))


def _rows(tiles: list[ft.Control], key: str) -> ft.Control:
    """Tiles three to a row, as on every photo profile."""
    rows = []
    for start in range(0, len(tiles), GRID_COLUMNS):
        chunk = tiles[start:start + GRID_COLUMNS]
        for tile in chunk:
            tile.expand = 1
        rows.append(ft.Row(chunk + [ft.Container(expand=1) for _ in range(GRID_COLUMNS - len(chunk))], spacing=2))
    return ft.Column(rows, spacing=2, key=key)


def _thumb(post: Post) -> str | None:
    media = post.first_media
    return (media.variants.get("640") or media.variants.get("thumb")) if media else None


@ft.component
def AlbumsSection(sharing: SharingState):
    """The Albums tab of my profile: a grid of albums I own or joined, and "New album"."""
    controller = use_controller()
    ft.use_effect(act(controller.sharing.load_albums), [])
    tiles = []
    for index, album in enumerate(sharing.albums):
        tiles.append(ft.Container(
            key=f"album-{index}", on_click=go(controller, f"/album/{album.album_id}"),
            content=ft.Column(spacing=2, controls=[
                ft.Container(aspect_ratio=1.0, bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST,
                             content=Photo(album.cover, None, 1.0, f"Album {album.title}") if album.cover else
                             ft.Icon(ft.Icons.PHOTO_ALBUM_OUTLINED, semantics_label=f"Album {album.title}"),
                             alignment=ft.Alignment.CENTER),
                ft.Text(album.title, weight=ft.FontWeight.BOLD, max_lines=1),
                ft.Text(f"{album.item_count} photo{'' if album.item_count == 1 else 's'} · {album.member_count} "
                        f"member{'' if album.member_count == 1 else 's'}", size=12),
            ]),
        ))
    empty = [ft.Text("No albums yet. Make one and invite your family to add their photos.", key="albums-empty")] \
        if sharing.albums_loaded and not tiles else []
    return ft.Column(spacing=SPACING, controls=[
        ft.FilledTonalButton("New album", key="new-album", icon=ft.Icons.ADD, on_click=go(controller, "/albums/new")),
        *empty,
        _rows(tiles, "album-grid"),
    ])


@ft.component
def NewAlbumView(state: AppState):
    return NewAlbumForm(state.sharing, state.me.username if state.me else "")


@ft.component
def NewAlbumForm(sharing: SharingState, my_username: str):
    controller = use_controller()
    title, member = ft.use_ref(""), ft.use_ref("")
    role, set_role = ft.use_state("contributor")
    members, set_members = ft.use_state(())
    typed, set_typed = ft.use_state(0)

    def add_member(_=None):
        name = member.current.strip().lstrip("@")
        if name and name not in [m for m, _ in members]:
            set_members((*members, (name, role)))
        member.current = ""
        set_typed(typed + 1)  # a new key gives an empty field

    async def create(_=None):
        pending = list(members)
        if member.current.strip():  # typed but not added yet: people expect it to count
            pending.append((member.current.strip().lstrip("@"), role))
        await controller.sharing.create_album(title.current, pending)

    return _screen(
        ft.Text("New album", size=22, weight=ft.FontWeight.BOLD),
        ft.TextField(key="album-title", label="Album title", value=title.current, max_length=100, on_change=typed_into(title)),
        ft.Text("Members", weight=ft.FontWeight.BOLD),
        *[ft.ListTile(key=f"member-{name}", title=ft.Text(name), subtitle=ft.Text(ROLE_LABELS[member_role]),
                      trailing=ft.IconButton(action_icon(ft.Icons.CLOSE, f"Remove {name}"),
                                             on_click=lambda _, n=name: set_members(tuple(m for m in members if m[0] != n))))
          for name, member_role in members],
        ft.Row(wrap=True, controls=[
            ft.TextField(key=f"member-name-{typed}", label="Member's username", value=member.current, width=240,
                         on_change=typed_into(member), on_submit=add_member),
            ft.SegmentedButton(key="member-role", selected=[role], on_change=lambda e: set_role(next(iter(e.control.selected))),
                               segments=[ft.Segment(value="contributor", label=ft.Text("Contributor")),
                                         ft.Segment(value="viewer", label=ft.Text("Viewer"))]),
            ft.OutlinedButton("Add member", key="add-member", icon=ft.Icons.PERSON_ADD, on_click=add_member),
        ]),
        ft.Row([
            ft.FilledButton("Create album", key="create-album", disabled=sharing.busy, on_click=create),
            ft.TextButton("Cancel", on_click=act(controller.navigate, f"/profile/{my_username}" if my_username else "/")),
        ]),
    )


@ft.component
def AlbumMembers(model: AlbumModel):
    controller = use_controller()
    album = model.album
    name, typed = ft.use_ref(""), ft.use_state(0)
    count, set_count = typed

    async def invite(_=None):
        if name.current.strip() and await controller.sharing.add_member(model.album_id, name.current, "contributor"):
            name.current = ""
            set_count(count + 1)

    people = [ft.Row([Avatar(m.user.username, m.user.avatar_url, 28), ft.Text(m.user.username),
                      ft.Text(m.role, size=12, color=ft.Colors.ON_SURFACE_VARIANT)], key=f"album-member-{m.user.username}")
              for m in album.members]
    controls = [ft.Text(f"{album.member_count} member{'' if album.member_count == 1 else 's'}", weight=ft.FontWeight.BOLD),
                ft.Row(people, wrap=True, spacing=SPACING)]
    if album.my_role == "owner":
        controls.append(ft.Row(wrap=True, controls=[
            ft.TextField(key=f"invite-name-{count}", label="Add a contributor by username", value=name.current, width=260,
                         on_change=typed_into(name), on_submit=invite),
            ft.OutlinedButton("Invite", key="invite-member", icon=ft.Icons.PERSON_ADD, on_click=invite),
        ]))
    return ft.Column(controls, spacing=6)


@ft.component
def AlbumView(state: AppState, album_id: str):
    return AlbumScreen(state.sharing.album(album_id))


@ft.component
def AlbumScreen(model: AlbumModel):
    controller = use_controller()
    album_id = model.album_id
    ft.use_effect(act(controller.sharing.load_album, album_id), [album_id])
    album = model.album
    if album is None:
        return _screen(ft.Text(model.error, key="album-error") if model.error else
                       ft.Container(ft.ProgressRing(), alignment=ft.Alignment.CENTER))
    actions = []
    if album.can_add:
        actions.append(ft.FilledButton("Add photos", key="add-photos", icon=ft.Icons.ADD_PHOTO_ALTERNATE,
                                       on_click=go(controller, f"/album/{album_id}/add")))
    if album.my_role == "owner":
        actions += [ft.OutlinedButton("Share album", key="share-album", icon=ft.Icons.LINK,
                                      on_click=act(controller.sharing.share, "album", album_id)),
                    ft.TextButton("Delete album", key="delete-album", icon=ft.Icons.DELETE_OUTLINE,
                                  on_click=act(controller.sharing.delete_album, album_id))]
    else:
        actions.append(ft.TextButton("Leave album", key="leave-album", icon=ft.Icons.LOGOUT,
                                     on_click=act(controller.sharing.leave, album_id)))
    tiles = [ft.Container(key=f"album-item-{index}", aspect_ratio=1.0, on_click=go(controller, f"/post/{item.post.post_id}"),
                          content=Photo(_thumb(item.post), item.post.first_media.placeholder if item.post.first_media else None,
                                        1.0, f"Album photo {index + 1} by {item.added_by.username}"))
             for index, item in enumerate(model.items)]
    return _screen(
        ft.Text(album.title, size=22, weight=ft.FontWeight.BOLD, key="album-title-text"),
        *([ft.Text(album.description)] if album.description else []),
        ft.Text(f"{album.item_count} photo{'' if album.item_count == 1 else 's'}", key="album-count"),
        ft.Row(actions, wrap=True),
        AlbumMembers(model),
        _rows(tiles, "album-items") if tiles else ft.Text("No photos yet.", key="album-empty"),
        *([ft.TextButton("Load more", on_click=act(controller.sharing.load_album, album_id, True))] if model.next_cursor else []),
    )


@ft.component
def PickerGrid(picker: PickerModel):
    controller = use_controller()
    tiles = []
    for index, post in enumerate(picker.posts):
        chosen = post.post_id in picker.chosen
        tiles.append(ft.Container(
            key=f"pick-{index}", aspect_ratio=1.0, on_click=act(picker.toggle, post.post_id),
            content=ft.Stack([
                Photo(_thumb(post), post.first_media.placeholder if post.first_media else None, 1.0,
                      f"{'Chosen: ' if chosen else ''}My photo {index + 1}"),
                ft.Icon(ft.Icons.CHECK_CIRCLE if chosen else ft.Icons.RADIO_BUTTON_UNCHECKED, top=6, right=6,
                        color=ft.Colors.PRIMARY if chosen else ft.Colors.WHITE),
            ]),
        ))
    if picker.loaded and not tiles:
        return ft.Text("You have no photos yet: post some first.", key="picker-empty")
    return ft.Column([_rows(tiles, "picker"),
                      *([ft.TextButton("More photos", on_click=act(controller.sharing.load_picker, True))]
                        if picker.next_cursor else [])])


@ft.component
def AlbumPickerView(state: AppState, album_id: str):
    """Tick many of my photos, then add them all at once."""
    return PickerScreen(state.sharing.picker, state.sharing.album(album_id))


@ft.component
def PickerScreen(picker: PickerModel, model: AlbumModel):
    controller = use_controller()
    album_id = model.album_id
    ft.use_effect(act(controller.sharing.load_picker), [album_id])
    count = len(picker.chosen)
    album = model.album
    return _screen(
        ft.Text(f"Add to {album.title}" if album else "Add photos", size=22, weight=ft.FontWeight.BOLD),
        ft.Row(wrap=True, controls=[
            ft.FilledButton(f"Add {count} photo{'' if count == 1 else 's'}" if count else "Choose photos",
                            key="add-chosen", disabled=not count or picker.busy,
                            on_click=act(controller.sharing.add_chosen, album_id)),
            ft.TextButton("Cancel", on_click=go(controller, f"/album/{album_id}")),
        ]),
        PickerGrid(picker),
    )


@ft.component
def AddToAlbumView(state: AppState, post_id: str):
    """From a post's menu: the albums I may add to; one tap adds the post."""
    return AddToAlbumScreen(state.sharing, post_id)


@ft.component
def AddToAlbumScreen(sharing: SharingState, post_id: str):
    controller = use_controller()
    ft.use_effect(act(controller.sharing.load_albums), [post_id])
    albums = [a for a in sharing.albums if a.can_add]
    rows = [ft.ListTile(key=f"pick-album-{index}", title=ft.Text(album.title),
                        subtitle=ft.Text(f"{album.item_count} photos"), leading=ft.Icon(ft.Icons.PHOTO_ALBUM_OUTLINED),
                        on_click=act(controller.sharing.add_post_to, album.album_id, post_id))
            for index, album in enumerate(albums)]
    if sharing.albums_loaded and not rows:
        rows = [ft.Text("You have no album to add to yet.")]
    return _screen(
        ft.Text("Add to album", size=22, weight=ft.FontWeight.BOLD),
        *rows,
        ft.OutlinedButton("New album", icon=ft.Icons.ADD, on_click=go(controller, "/albums/new")),
    )
