"""render_video: 360p/720p H.264 MP4 streams, a poster frame and its placeholder."""

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field

from . import encode
from .errors import ProcessingFailed
from .ffmpeg import measure_duration, probe, run_ffmpeg
from .limits import (
    FFMPEG_THREADS,
    POSTER_AT_SECONDS,
    POSTER_TIMEOUT_SECONDS,
    PROBE_TIMEOUT_SECONDS,
    TRANSCODE_TIMEOUT_SECONDS,
    VIDEO_AUDIO_BITRATE,
    VIDEO_CRF,
    VIDEO_MAX_FPS,
    VIDEO_PRESET,
    VIDEO_STREAM_HEIGHTS,
)
from .photo import render_from_file


@dataclass
class VideoResult:
    width: int  # as displayed (rotation applied)
    height: int
    duration_s: float
    placeholder: str  # blurhash of the poster
    # "360"/"720" -> path of <sha256>.mp4; a rendition taller than the source is skipped
    # (the caller maps a missing key to the largest produced one)
    streams: dict[str, str] = field(default_factory=dict)
    stream_sizes: dict[str, tuple[int, int]] = field(default_factory=dict)
    # poster variants, exactly like PhotoResult.files: {"thumb": {"jpeg": ..., "webp": ...}, "320": ...}
    poster: dict[str, dict[str, str]] = field(default_factory=dict)
    poster_sizes: dict[str, tuple[int, int]] = field(default_factory=dict)


def render_video(original_path: str, out_dir: str) -> VideoResult:
    """Transcode the video at `original_path` into `out_dir`; ProcessingFailed on failure."""
    os.makedirs(out_dir, exist_ok=True)
    info = probe(original_path, PROBE_TIMEOUT_SECONDS)
    if not info.has_video or not info.decodable:
        raise ProcessingFailed("the file has no decodable video stream")
    duration = info.duration_s or measure_duration(original_path, PROBE_TIMEOUT_SECONDS) or 0.0
    plan = plan_streams(info.display_size)

    work_dir = tempfile.mkdtemp(dir=out_dir, prefix=".video-")
    try:
        streams = _transcode(original_path, plan, work_dir, out_dir)
        poster_path = _extract_poster(original_path, duration, work_dir)
        poster = render_from_file(poster_path, "ppm", out_dir, (encode.JPEG, encode.WEBP))
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)

    width, height = info.display_size
    return VideoResult(
        width=width, height=height, duration_s=round(duration, 3), placeholder=poster.placeholder,
        streams=streams, stream_sizes=plan, poster=poster.files, poster_sizes=poster.sizes,
    )


def plan_streams(display: tuple[int, int]) -> dict[str, tuple[int, int]]:
    """Rendition name -> (width, height), named by the short side so portrait clips work.

    Never upscaled; a source shorter than 360 px gets a "360" rendition at its own size.
    Dimensions are even because H.264 4:2:0 needs it.
    """
    width, height = display
    short = min(width, height)
    heights = [h for h in VIDEO_STREAM_HEIGHTS if h <= short]
    if not heights:
        return {str(VIDEO_STREAM_HEIGHTS[0]): (_even(width), _even(height))}
    return {str(h): (_even(width * h / short), _even(height * h / short)) for h in heights}


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def _transcode(source: str, plan: dict[str, tuple[int, int]], work_dir: str, out_dir: str) -> dict[str, str]:
    # One ffmpeg run decodes the source once and feeds every rendition. ffmpeg applies
    # the rotation side data itself (autorotate), so outputs are upright and carry none.
    names = list(plan)
    split = f"[0:v]split={len(names)}" + "".join(f"[in{i}]" for i in range(len(names)))
    scales = [
        f"[in{i}]scale={w}:{h}:flags=lanczos,setsar=1,format=yuv420p[out{i}]"
        for i, (w, h) in enumerate(plan.values())
    ]
    args = ["-i", source, "-filter_complex", ";".join([split, *scales])]
    outputs = {}
    for i, name in enumerate(names):
        path = os.path.join(work_dir, f"{name}.mp4")
        outputs[name] = path
        args += [
            "-map", f"[out{i}]", "-map", "0:a:0?",
            "-c:v", "libx264", "-preset", VIDEO_PRESET, "-crf", str(VIDEO_CRF),
            "-profile:v", "high", "-fpsmax", str(VIDEO_MAX_FPS),
            "-c:a", "aac", "-b:a", VIDEO_AUDIO_BITRATE, "-ac", "2",
            # Privacy: no global/stream metadata (GPS, device), chapters or encoder tags.
            "-map_metadata", "-1", "-map_chapters", "-1",
            "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
            "-movflags", "+faststart", "-threads", str(FFMPEG_THREADS),
            "-y", path,
        ]
    completed = run_ffmpeg(args, TRANSCODE_TIMEOUT_SECONDS)
    if completed.returncode != 0:
        raise ProcessingFailed(f"video transcoding failed ({_last_line(completed.stderr)})")
    return {name: _store_file(path, out_dir, encode.EXTENSIONS[encode.MP4]) for name, path in outputs.items()}


def _extract_poster(source: str, duration: float, work_dir: str) -> str:
    path = os.path.join(work_dir, "poster.ppm")
    for at in (min(POSTER_AT_SECONDS, duration / 2), 0.0):
        completed = run_ffmpeg(
            ["-ss", f"{at:.3f}", "-i", source, "-map", "0:v:0", "-frames:v", "1",
             "-c:v", "ppm", "-f", "image2", "-update", "1", "-y", path],
            POSTER_TIMEOUT_SECONDS,
        )
        if completed.returncode == 0 and os.path.exists(path) and os.path.getsize(path) > 0:
            return path
    raise ProcessingFailed(f"no poster frame could be extracted ({_last_line(completed.stderr)})")


def _store_file(path: str, out_dir: str, extension: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1024 * 1024), b""):
            digest.update(chunk)
    final = os.path.join(out_dir, f"{digest.hexdigest()}.{extension}")
    os.replace(path, final)
    return final


def _last_line(stderr: bytes) -> str:
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1][:160] if lines else "no output"
