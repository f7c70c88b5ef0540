"""A post's hashtags and the per-tag post counts that search shows."""

from __future__ import annotations

from ..stores.base import Conn


def add_post_tags(conn: Conn, post_id: int, tags: list[str]) -> None:
    for tag in tags:
        conn.execute("INSERT INTO post_hashtags (tag, post_id) VALUES (?, ?) ON CONFLICT DO NOTHING", (tag, post_id))
        conn.execute(
            "INSERT INTO hashtags (tag, post_count) VALUES (?, 1) ON CONFLICT (tag) DO UPDATE SET post_count = hashtags.post_count + 1",
            (tag,),
        )


def remove_post_tags(conn: Conn, post_id: int) -> None:
    tags = [row[0] for row in conn.fetch_all("SELECT tag FROM post_hashtags WHERE post_id = ?", (post_id,))]
    for tag in tags:
        conn.execute("UPDATE hashtags SET post_count = post_count - 1 WHERE tag = ?", (tag,))
    conn.execute("DELETE FROM post_hashtags WHERE post_id = ?", (post_id,))
