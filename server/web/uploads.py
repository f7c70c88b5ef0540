"""Receiving uploaded files: streamed to disk, size-limited while streaming, type sniffed from bytes.

Nothing is kept when a request is refused: every temporary file is removed before the error answer.
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import AsyncIterator

from aiohttp import BodyPartReader, MultipartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from ..media.limits import MAX_CAROUSEL
from ..media.sniff import PHOTO
from ..services.intake import IncomingFile, stream_to_file
from ..services.intake import remove_quietly as _remove
from .errors import ApiError, InvalidInput
from .http import refuse_nul

__all__ = ["CHUNK_BYTES", "IncomingFile", "PostForm", "receive_post_form", "receive_single_image", "stream_to_file"]

CHUNK_BYTES = 256 * 1024
MAX_TEXT_FIELD_BYTES = 16 * 1024  # a 2,200-character caption in the widest UTF-8 is under 9 KB
MAX_FORM_FIELDS = 40  # ten files, ten alt texts, a caption and a little slack


async def _read_text(part: BodyPartReader, name: str) -> str:
    data = bytearray()
    while True:
        chunk = await part.read_chunk(4096)
        if not chunk:
            break
        data += chunk
        if len(data) > MAX_TEXT_FIELD_BYTES:
            raise InvalidInput(f"The '{name}' field is too long.", code="too_large")
    try:
        text = data.decode(part.get_charset("utf-8"))
    except (UnicodeDecodeError, LookupError):
        raise InvalidInput(f"The '{name}' field is not valid UTF-8 text.") from None
    refuse_nul(text, f"The '{name}' field")
    return text


# What aiohttp raises for a multipart body it cannot read: a missing, empty or over-long boundary
# (ValueError), a part header that is not a header (a NUL, no colon: HttpProcessingError), a broken
# framing (AssertionError). All are the client's malformed body, answered 400.
MULTIPART_ERRORS = (ValueError, AssertionError, HttpProcessingError)


async def open_multipart(request: web.Request) -> MultipartReader:
    try:
        return await request.multipart()
    except MULTIPART_ERRORS as exc:
        raise InvalidInput(f"The multipart body could not be read: {_reason(exc)}.") from None


@contextlib.contextmanager
def malformed_multipart_refused():
    """Around reading a form's parts: what aiohttp raises for a malformed body (while finding, reading or
    skipping a part) becomes a 400."""
    try:
        yield
    except MULTIPART_ERRORS as exc:
        raise InvalidInput(f"The multipart body is malformed: {_reason(exc)}.") from None


def _reason(exc: BaseException) -> str:
    text = exc.message if isinstance(exc, HttpProcessingError) else str(exc)
    return (text or type(exc).__name__).replace("\x00", "NUL")[:200]


@dataclasses.dataclass
class PostForm:
    files: list[IncomingFile]
    caption: str
    alt_texts: list[str]

    def discard(self) -> None:
        for incoming in self.files:
            _remove(incoming.path)


async def receive_post_form(request: web.Request, ctx) -> PostForm:
    """Read a multipart post: 'media' files (1–10), 'caption', 'alt_text' (one per file), 'media_type' (ignored: we sniff)."""
    if not request.content_type.startswith("multipart/"):
        raise InvalidInput("Send the post as multipart/form-data with one or more 'media' files.")
    reader = await open_multipart(request)
    form = PostForm(files=[], caption="", alt_texts=[])
    tmp_dir = str(ctx.media.tmp_dir())
    try:
        with malformed_multipart_refused():
            await _read_form_parts(reader, form, tmp_dir, ctx)
        if not form.files:
            raise InvalidInput("Attach at least one photo or video as a 'media' file.", code="no_media")
        return form
    except BaseException:
        form.discard()
        raise


async def _read_form_parts(reader: MultipartReader, form: PostForm, tmp_dir: str, ctx) -> None:
    fields = 0
    while True:
        part = await reader.next()
        if part is None:
            break
        fields += 1
        if fields > MAX_FORM_FIELDS:
            raise InvalidInput("The form has too many fields.")
        if not isinstance(part, BodyPartReader):
            raise InvalidInput("Nested multipart bodies are not accepted.")
        name = part.name
        if name == "media":
            if len(form.files) >= MAX_CAROUSEL:
                raise InvalidInput(f"A post holds at most {MAX_CAROUSEL} photos or videos.", code="too_many_media")
            form.files.append(await stream_to_file(lambda: part.read_chunk(CHUNK_BYTES), tmp_dir, ctx.settings))
        elif name == "caption":
            form.caption = await _read_text(part, "caption")
        elif name == "alt_text":
            form.alt_texts.append(await _read_text(part, "alt_text"))
        else:
            await part.release()  # unknown fields (media_type included) are read past and ignored


@contextlib.asynccontextmanager
async def receive_single_image(request: web.Request, ctx) -> AsyncIterator[str]:
    """A single photo as the raw body or as the 'media' part of a form; yields a validated temp path."""
    tmp_dir = str(ctx.media.tmp_dir())
    incoming: IncomingFile | None = None
    try:
        if request.content_type.startswith("multipart/"):
            reader = await open_multipart(request)
            with malformed_multipart_refused():
                while True:
                    part = await reader.next()
                    if part is None:
                        break
                    if isinstance(part, BodyPartReader) and part.name == "media" and incoming is None:
                        incoming = await stream_to_file(lambda: part.read_chunk(CHUNK_BYTES), tmp_dir, ctx.settings)
                    else:
                        await part.release()
        else:
            incoming = await stream_to_file(lambda: request.content.read(CHUNK_BYTES), tmp_dir, ctx.settings)
        if incoming is None:
            raise InvalidInput("Attach the picture as the body or as a 'media' file.", code="no_media")
        if incoming.sniffed.kind != PHOTO:
            raise ApiError("A profile picture must be a photo.", code="unsupported_media", status=400)
        await ctx.media.inspect(incoming.path, incoming.sniffed)
        yield incoming.path
    finally:
        if incoming is not None:
            _remove(incoming.path)
