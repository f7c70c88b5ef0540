"""Every limit and tuning knob of the media pipeline, with the reason beside it.

The server imports these for its own checks (request size, carousel length) so the
numbers live in exactly one place.
"""

MB = 1024 * 1024

# Upload limits (API.md "Limits"): big enough for any phone camera's JPEG/HEIC and a
# one-minute 4K clip, small enough that one upload cannot fill a small self-hosted disk.
MAX_PHOTO_BYTES = 20 * MB
MAX_VIDEO_BYTES = 100 * MB
MAX_VIDEO_SECONDS = 60
# Phones stop a "60 s" recording a few frames late and containers round up, so a clip
# is refused only beyond this slack.
VIDEO_DURATION_SLACK_SECONDS = 0.5

# Decompression-bomb guard, checked from the file header before any pixel is decoded.
# 80 MP admits phone panoramas (~16000x4500) and 50 MP sensors while capping the decoded
# RGB buffer near 240 MB per worker. It is below Pillow's own warning threshold (~89 MP),
# so Pillow's DecompressionBombWarning/Error can only fire for files we reject anyway.
MAX_PIXELS = 80_000_000

# 8K frames are the largest any consumer camera records; bigger is a decoder-memory attack.
MAX_VIDEO_FRAME_PIXELS = 7680 * 4320

# A carousel post holds at most this many media (API.md).
MAX_CAROUSEL = 10

# Responsive widths served as srcset; the API keys are these numbers as strings.
VARIANT_WIDTHS = (320, 640, 1080, 1440)
# Square grid tile, centre-cropped.
THUMB_SIZE = 150
# WebP cannot store a side longer than 16383 px; a very tall screenshot is scaled to fit.
MAX_VARIANT_SIDE = 16383

# Encoder settings. JPEG 82 / WebP 80 / AVIF 60 look alike at feed sizes and are the
# usual sweet spot between bytes and visible artefacts.
JPEG_QUALITY = 82
WEBP_QUALITY = 80
# libwebp effort 0..6. On camera photos method 1 lands within ~2% of the bytes of the
# default 4 in ~40% of the time, and WebP encoding is most of the upload->ready latency.
# (The libvips reference in bench/media uses the same effort, so the comparison is fair.)
WEBP_METHOD = 1
AVIF_QUALITY = 60
# libavif speed 0..10: 8 is ~5x faster than the default 6 for ~3% bigger files, which
# keeps the second stage from starving new uploads.
AVIF_SPEED = 8
# The pipeline runs in a process pool with one worker per core: more encoder threads
# would only fight the other workers.
AVIF_MAX_THREADS = 1

# Placeholder: blurhash components along the long and the short side of the picture.
PLACEHOLDER_COMPONENTS_LONG = 4
PLACEHOLDER_COMPONENTS_SHORT = 3
# Blurhash only needs a tiny picture; 32 px keeps the pure-Python encoder under ~5 ms.
PLACEHOLDER_SOURCE_SIDE = 32

# Video renditions, named by their short side ("360p", "720p").
VIDEO_STREAM_HEIGHTS = (360, 720)
VIDEO_CRF = 23  # x264 default: visually good for phone clips at feed sizes
VIDEO_PRESET = "veryfast"  # ~3x faster than "medium" for ~10% more bytes
VIDEO_AUDIO_BITRATE = "128k"
VIDEO_MAX_FPS = 60  # anything above is a slow-motion capture nobody needs in a feed
# Where the poster frame is taken: early enough to exist in a short clip, late enough to
# skip a black fade-in.
POSTER_AT_SECONDS = 1.0
# ffmpeg's own thread count per job; the pool already runs one job per core.
FFMPEG_THREADS = 2

# Subprocess time limits, so a hostile or broken file can never hang a worker.
PROBE_TIMEOUT_SECONDS = 20
TRANSCODE_TIMEOUT_SECONDS = 600
POSTER_TIMEOUT_SECONDS = 60

# Bytes read for magic-number sniffing: enough for an ISO-BMFF ftyp box with its brands.
SNIFF_BYTES = 64
