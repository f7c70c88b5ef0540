"""Create's picking and ordering, without a screen: a photo dropped on another takes its place (the order shown
is the order posted), the photo being edited stays the one selected, and every file left out is named with the
reason; "Opening photo n of m" is there while the photos are read."""

from __future__ import annotations

from types import SimpleNamespace

from PIL import Image

from tests.client.photos import write_photo
from ui.controllers.create import MAX_PICKED_BYTES, MB, CreateController, PickedFile
from ui.create_models import MAX_ITEMS, CreateItem, CreateModel
from ui.models import AppState


def create_controller() -> CreateController:
    return CreateController(SimpleNamespace(state=AppState()))


def keys(create: CreateModel) -> str:
    return "".join(item.key for item in create.items)


def test_an_item_moved_to_another_place_takes_it_and_the_one_being_edited_stays_selected():
    create = CreateModel(items=[CreateItem(key=key, name=key) for key in "abcd"], selected=0)
    create.move_to(2, 0)  # the third dropped on the first
    assert keys(create) == "cabd"
    assert create.current.key == "a" and create.selected == 1
    create.move_to(0, 3)  # the first dropped on the last
    assert keys(create) == "abdc"
    assert create.current.key == "a" and create.selected == 0
    create.move_to(1, 1)
    create.move_to(4, 0)
    assert keys(create) == "abdc"


def test_the_buttons_move_the_selected_item_and_it_stays_selected():
    create = CreateModel(items=[CreateItem(key=key, name=key) for key in "abc"], selected=2)
    create.move(2, -1)
    assert keys(create) == "acb" and create.current.key == "c"
    create.move(1, -1)
    assert keys(create) == "cab" and create.selected == 0
    create.move(0, -1)  # already first
    assert keys(create) == "cab" and create.selected == 0


async def test_a_photo_dropped_on_the_first_becomes_the_first(tmp_path):
    controller = create_controller()
    photos = [write_photo(tmp_path / f"{n}.jpg", size=(64 + n, 48), seed=n) for n in (1, 2, 3)]
    await controller.pick_files([PickedFile(p.name, path=str(p)) for p in reversed(photos)])
    create = controller.state.create
    assert [item.name for item in create.items] == ["1.jpg", "2.jpg", "3.jpg"]
    assert all(item.thumb for item in create.items)
    controller.drop(create.items[2].key, create.items[0].key)
    assert [item.name for item in create.items] == ["3.jpg", "1.jpg", "2.jpg"]
    assert create.current.name == "1.jpg"


async def test_each_file_left_out_is_named_with_its_reason_and_progress_shows_while_they_are_read(tmp_path):
    good = write_photo(tmp_path / "1-good.jpg")
    notes = tmp_path / "2-notes.txt"
    notes.write_text("a shopping list")
    fake = tmp_path / "3-fake.jpg"
    fake.write_text("not a jpeg at all")
    big = tmp_path / "4-big.jpg"
    with open(big, "wb") as sparse:
        sparse.truncate(MAX_PICKED_BYTES + 10 * MB)
    missing = tmp_path / "5-missing.jpg"
    controller = create_controller()
    create = controller.state.create
    seen = []
    add_photo = controller._add_photo

    async def watched(picked):
        seen.append(create.opening)
        return await add_photo(picked)

    controller._add_photo = watched
    await controller.pick_files([PickedFile(p.name, path=str(p)) for p in (missing, big, fake, notes, good)])

    assert [item.name for item in create.items] == ["1-good.jpg"]
    assert create.step == "edit" and create.opening is None
    assert seen == [(0, 4), (1, 4), (2, 4), (3, 4)]
    assert create.error.split("\n") == [
        "2-notes.txt is not a photo: PhotoShare posts JPEG, PNG, HEIC, WebP, AVIF or GIF photos.",
        "3-fake.jpg is not a photo PhotoShare can read (its contents are not an image).",
        "4-big.jpg is too big (60 MB): a photo can be at most 50 MB.",
        "5-missing.jpg was not found.",
    ]


async def test_bytes_from_a_browser_past_the_limit_and_a_photo_of_too_many_pixels_are_refused(tmp_path, monkeypatch):
    controller = create_controller()
    create = controller.state.create
    await controller.pick_files([PickedFile("huge.jpg", data=b"\xff" * (MAX_PICKED_BYTES + 1))])
    assert create.items == [] and create.step == "pick"
    assert create.error == "huge.jpg is too big (51 MB): a photo can be at most 50 MB."
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # past twice this, Pillow refuses to decode
    await controller.pick_files([PickedFile("bomb.jpg", path=str(write_photo(tmp_path / "bomb.jpg")))])
    assert create.items == []
    assert create.error == "bomb.jpg is too big: it has more pixels than PhotoShare opens."


async def test_past_ten_photos_the_rest_are_left_out_and_said_so(tmp_path):
    controller = create_controller()
    photos = [write_photo(tmp_path / f"{n:02}.jpg", size=(40, 30), seed=n) for n in range(MAX_ITEMS + 2)]
    await controller.pick_files([PickedFile(p.name, path=str(p)) for p in photos[:3]])
    await controller.pick_files([PickedFile(p.name, path=str(p)) for p in photos[3:]])
    create = controller.state.create
    assert [item.name for item in create.items] == [p.name for p in photos[:MAX_ITEMS]]
    assert create.error == "A post holds at most 10 photos: 2 were left out."
