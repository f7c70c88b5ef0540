"""PhotoShare's media pipeline: pure, synchronous functions (paths in, files and
dataclasses out) that the server runs in a ProcessPoolExecutor.

    sniff(head)                    -> Sniffed | None    magic bytes only
    inspect_file(path, sniffed)    -> Inspection         intake checks before 201, MediaError
    render_photo(path, out_dir, stage="primary"|"avif") -> PhotoResult
    render_video(path, out_dir)    -> VideoResult
"""

from . import limits
from .errors import INVALID_MEDIA, TOO_LARGE, UNSUPPORTED_MEDIA, MediaError, ProcessingFailed
from .inspect import Inspection, inspect_file
from .photo import AVIF_STAGE, PRIMARY, PhotoResult, render_photo
from .sniff import PHOTO, VIDEO, Sniffed, sniff, sniff_file
from .video import VideoResult, render_video

__all__ = [
    "AVIF_STAGE", "INVALID_MEDIA", "Inspection", "MediaError", "PHOTO", "PRIMARY",
    "PhotoResult", "ProcessingFailed", "Sniffed", "TOO_LARGE", "UNSUPPORTED_MEDIA",
    "VIDEO", "VideoResult", "inspect_file", "limits", "render_photo", "render_video",
    "sniff", "sniff_file",
]
