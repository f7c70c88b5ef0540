"""Run ffmpeg (the static binary shipped in the imageio-ffmpeg wheel) and read its probe.

The wheel carries no ffprobe, so the probe parses the stream summary ffmpeg prints on
stderr while decoding the first video frame; decoding that frame also proves the file
is playable. Every run has a timeout so a hostile file cannot hang a worker.
"""

import re
import subprocess
from dataclasses import dataclass

import imageio_ffmpeg

from .errors import ProcessingFailed


def ffmpeg_exe() -> str:
    return imageio_ffmpeg.get_ffmpeg_exe()


def run_ffmpeg(args: list[str], timeout: float) -> subprocess.CompletedProcess:
    """ffmpeg with `args`; raises ProcessingFailed on timeout or if it cannot start."""
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", *args]
    try:
        return subprocess.run(command, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise ProcessingFailed(f"ffmpeg took longer than {timeout:g} s") from None
    except OSError as e:
        raise ProcessingFailed(f"ffmpeg could not run ({e.strerror or e})") from None


@dataclass
class VideoProbe:
    duration_s: float | None
    codec: str | None  # video codec of the first video stream, None without one
    coded_width: int  # as stored, before rotation
    coded_height: int
    rotation: int  # display rotation in degrees, one of 0, 90, 180, 270
    has_audio: bool
    decodable: bool  # ffmpeg decoded the first frame without error
    error_tail: str  # last stderr line, for messages

    @property
    def has_video(self) -> bool:
        return self.codec is not None and self.coded_width > 0 and self.coded_height > 0

    @property
    def display_size(self) -> tuple[int, int]:
        if self.rotation in (90, 270):
            return self.coded_height, self.coded_width
        return self.coded_width, self.coded_height


_DURATION = re.compile(r"Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)")
_VIDEO_STREAM = re.compile(r"Stream #0:\d+.*?: Video: (\w+)(.*)")
_DIMENSIONS = re.compile(r"(?<![\dx])(\d{1,5})x(\d{1,5})(?![\dx])")
_ROTATION = re.compile(r"rotation of (-?\d+(?:\.\d+)?) degrees")
_AUDIO_STREAM = re.compile(r"Stream #0:\d+.*?: Audio: ")


def probe(path: str, timeout: float) -> VideoProbe:
    """Read the streams of `path` and decode its first video frame."""
    completed = run_ffmpeg(
        ["-i", path, "-map", "0:v:0?", "-frames:v", "1", "-f", "null", "-"], timeout
    )
    stderr = completed.stderr.decode("utf-8", "replace")
    return parse_probe(stderr, decodable=completed.returncode == 0)


def parse_probe(stderr: str, decodable: bool) -> VideoProbe:
    # Only the "Input #0" section describes the file; the output section lists the
    # null muxer's streams.
    input_part = stderr.split("Stream mapping:", 1)[0].split("Output #0", 1)[0]
    duration = None
    if match := _DURATION.search(input_part):
        hours, minutes, seconds = match.groups()
        duration = int(hours) * 3600 + int(minutes) * 60 + float(seconds)

    codec, width, height, rotation = None, 0, 0, 0
    lines = input_part.splitlines()
    for index, line in enumerate(lines):
        stream = _VIDEO_STREAM.search(line)
        if not stream:
            continue
        codec = stream.group(1)
        # Drop parenthesised parts ("(avc1 / 0x31637661)", "(tv, bt709)") before looking
        # for WxH, so hex codec tags and colour info cannot be mistaken for a size.
        details = re.sub(r"\([^()]*\)", "", stream.group(2))
        if dims := _DIMENSIONS.search(details):
            width, height = int(dims.group(1)), int(dims.group(2))
        # Side data (display matrix) follows on the next indented lines of this stream.
        for follow in lines[index + 1:]:
            if "Stream #" in follow:
                break
            if rot := _ROTATION.search(follow):
                rotation = round(-float(rot.group(1))) % 360
                break
        break
    has_audio = bool(_AUDIO_STREAM.search(input_part))
    tail = stderr.strip().splitlines()[-1] if stderr.strip() else ""
    return VideoProbe(duration, codec, width, height, rotation, has_audio, decodable, tail)


_PROGRESS_TIME = re.compile(r"time=(\d+):(\d{2}):(\d{2}(?:\.\d+)?)")


def measure_duration(path: str, timeout: float) -> float | None:
    """Duration by demuxing the whole video stream (no decoding).

    For files whose header does not state it, e.g. WebM recorded by a browser.
    """
    completed = run_ffmpeg(["-i", path, "-map", "0:v:0", "-c", "copy", "-f", "null", "-"], timeout)
    times = _PROGRESS_TIME.findall(completed.stderr.decode("utf-8", "replace"))
    if completed.returncode != 0 or not times:
        return None
    hours, minutes, seconds = times[-1]
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
