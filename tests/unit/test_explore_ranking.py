"""Explore's ranking on a small hand-made community: the order a person would expect, and the page rules."""

from server.services.explore_ranking import MAX_PER_AUTHOR_PER_PAGE, Candidate, RankedPool, page_of, rank

NOW = 1_800_000_000_000
HOUR = 3_600_000


def community() -> dict[str, Candidate]:
    """Posts the viewer (a hiker who likes mountain photos) could be shown, by what a person would call them."""
    return {
        # liked by two people whose likes overlap the viewer's most: their taste, today
        "kindred_today": Candidate(1, author_id=10, created_at=NOW - 2 * HOUR, like_count=4, comment_count=1,
                                   author_followers=40, co_engagement=6),
        # under #mountains, a tag the viewer likes, from a small account
        "tagged_small": Candidate(2, author_id=11, created_at=NOW - 3 * HOUR, like_count=3, comment_count=0,
                                  author_followers=30, tag_share=1.0),
        # the same taste signal, but three days old
        "kindred_old": Candidate(3, author_id=12, created_at=NOW - 72 * HOUR, like_count=4, comment_count=1,
                                 author_followers=40, co_engagement=6),
        # a celebrity's post with many likes, but a low rate for their audience, and nothing tying it to the viewer
        "celebrity": Candidate(4, author_id=13, created_at=NOW - 1 * HOUR, like_count=300, comment_count=20,
                               author_followers=50_000),
        # popular lately for a small account: many likes for few followers
        "small_hit": Candidate(5, author_id=14, created_at=NOW - 5 * HOUR, like_count=12, comment_count=4,
                               author_followers=25),
        # nobody engaged yet: only the prior keeps it in the race
        "brand_new": Candidate(6, author_id=15, created_at=NOW - 1 * HOUR, like_count=0, comment_count=0,
                               author_followers=5),
    }


def test_taste_beats_raw_popularity_and_time_decays_it():
    posts = community()
    order = [name for candidate in rank(posts.values(), NOW) for name, c in posts.items() if c is candidate]
    assert order == ["kindred_today", "small_hit", "tagged_small", "kindred_old", "brand_new", "celebrity"]


def test_a_comment_counts_more_than_a_like():
    liked = Candidate(1, 1, NOW, like_count=2, comment_count=0, author_followers=10)
    discussed = Candidate(2, 2, NOW, like_count=0, comment_count=1, author_followers=10)
    assert [c.post_id for c in rank([liked, discussed], NOW)] == [2, 1]


def test_a_page_skips_what_the_session_saw_and_takes_at_most_two_per_author():
    ranked = RankedPool([Candidate(post_id=100 - i, author_id=1 if i < 5 else 2 + i, created_at=NOW, like_count=0,
                                   comment_count=0, author_followers=0) for i in range(10)])
    page, more = page_of(ranked, seen={100}, limit=4)
    assert page == [99, 98, 95, 94]  # author 1 (posts 100 to 96) has two here; the rest wait for another page
    assert sum(post_id > 95 for post_id in page) == MAX_PER_AUTHOR_PER_PAGE and more
    seen = {100, *page}
    page, more = page_of(ranked, seen, limit=4)
    assert page == [97, 96, 93, 92]
    seen |= set(page)
    page, more = page_of(ranked, seen, limit=4)
    assert page == [91] and not more
