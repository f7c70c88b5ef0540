"""Which video of a scrolling list plays: the one most in view, at least half of it, the upper one on a tie."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from ui.visibility import Item, ListGeometry, playing_key, visible_share

PHONE = 844


def feed(*items: tuple[str, float, bool], offset: float = 0.0, viewport: float = PHONE, leading: float = 0.0):
    geometry = ListGeometry(viewport=viewport, offset=offset, leading=leading, gap=16,
                            heights={key: height for key, height, _ in items})
    return geometry, [Item(key, 500, plays) for key, _, plays in items]


def test_at_the_top_the_first_video_plays_and_one_further_down_waits():
    geometry, items = feed(("a", 600, True), ("b", 600, True), ("c", 600, True), leading=126)
    assert playing_key(geometry, items) == "a"


def test_scrolling_hands_over_to_the_next_video_once_it_shows_more_of_itself():
    geometry, items = feed(("a", 600, True), ("b", 600, True))
    geometry.offset = 300  # a: 300 of 600 shown; b (616–1216): 528 of 600
    assert playing_key(geometry, items) == "b"
    geometry.offset = 100  # a: 500 of 600; b: 328 of 600
    assert playing_key(geometry, items) == "a"


def test_a_photo_between_videos_plays_nothing_and_less_than_half_a_video_does_not_play():
    geometry, items = feed(("photo", 700, False), ("video", 600, True))
    assert playing_key(geometry, items) is None  # the video starts at 716: 128 of 600 on a 844 px screen
    geometry.offset = 500
    assert playing_key(geometry, items) == "video"
    geometry.offset = 1500  # scrolled past it
    assert playing_key(geometry, items) is None


def test_the_last_video_plays_at_the_end_of_a_short_list_even_when_another_shows_more_than_half():
    geometry, items = feed(("a", 600, True), ("b", 400, True))
    geometry.offset = 1032 - PHONE + 200  # the list's end: b wholly shown, a partly
    assert playing_key(geometry, items) == "b"


def test_two_videos_wholly_in_view_the_upper_one_plays():
    geometry, items = feed(("a", 300, True), ("b", 300, True), viewport=1000)
    assert playing_key(geometry, items) == "a"


def test_unmeasured_items_count_at_their_estimate_and_no_viewport_plays_nothing():
    geometry = ListGeometry(viewport=PHONE, gap=16)
    items = [Item("new", 900, False), Item("video", 400, True)]
    assert playing_key(geometry, items) is None  # the estimate pushes the video below the fold
    geometry.heights["new"] = 200
    assert playing_key(geometry, items) == "video"
    assert playing_key(ListGeometry(), items) is None


@settings(max_examples=300, deadline=None)
@given(heights=st.lists(st.tuples(st.integers(50, 1500), st.booleans()), max_size=12),
       offset=st.integers(0, 8000), viewport=st.integers(200, 1400))
def test_the_chosen_video_is_at_least_half_shown_and_none_shows_more(heights, offset, viewport):
    geometry, items = feed(*[(str(i), h, plays) for i, (h, plays) in enumerate(heights)], offset=offset,
                           viewport=viewport)
    shares = {item.key: visible_share(top, height, offset, viewport) for item, top, height in geometry.spans(items)
              if item.plays}
    chosen = playing_key(geometry, items)
    if chosen is None:
        assert all(share < 0.5 for share in shares.values())
    else:
        assert shares[chosen] >= 0.5
        assert all(share <= shares[chosen] + 1e-6 for share in shares.values())
