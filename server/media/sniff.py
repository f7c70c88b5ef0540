"""Recognise a file's real type from its first bytes.

File names and Content-Type headers are chosen by the client and are never trusted;
only the magic numbers below decide what the pipeline will try to decode.
"""

from dataclasses import dataclass

from .limits import SNIFF_BYTES

PHOTO = "photo"
VIDEO = "video"


@dataclass(frozen=True)
class Sniffed:
    kind: str  # PHOTO or VIDEO
    format: str  # "jpeg", "png", "heic", "webp", "avif", "gif", "mp4", "mov", "webm"
    content_type: str


_JPEG = Sniffed(PHOTO, "jpeg", "image/jpeg")
_PNG = Sniffed(PHOTO, "png", "image/png")
_GIF = Sniffed(PHOTO, "gif", "image/gif")
_WEBP = Sniffed(PHOTO, "webp", "image/webp")
_HEIC = Sniffed(PHOTO, "heic", "image/heic")
_AVIF = Sniffed(PHOTO, "avif", "image/avif")
_MP4 = Sniffed(VIDEO, "mp4", "video/mp4")
_MOV = Sniffed(VIDEO, "mov", "video/quicktime")
_WEBM = Sniffed(VIDEO, "webm", "video/webm")

# ISO base media file format brands (the ftyp box). HEIF stills and image sequences
# ("msf1", "hevc") are photos: we keep the primary image, as with a GIF's first frame.
_AVIF_BRANDS = {b"avif", b"avis"}
_HEIF_BRANDS = {
    b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs",
    b"mif1", b"mif2", b"msf1",
}
_QUICKTIME_BRANDS = {b"qt  "}
_MP4_BRANDS = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso8", b"iso9",
    b"mp41", b"mp42", b"mp71", b"avc1", b"M4V ", b"M4VH", b"M4VP", b"MSNV",
    b"dash", b"3gp4", b"3gp5", b"3gp6", b"3g2a", b"3g2b", b"3g2c", b"f4v ", b"XAVC",
}
# QuickTime files from old cameras start straight with an atom instead of ftyp.
_BARE_QUICKTIME_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}

_EBML_MAGIC = b"\x1a\x45\xdf\xa3"


def sniff(head: bytes) -> Sniffed | None:
    """Return what `head` (the file's first bytes, 64 are enough) really is, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return _JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return _GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _WEBP
    if head[4:8] == b"ftyp":
        return _sniff_ftyp(head)
    if head[4:8] in _BARE_QUICKTIME_ATOMS and len(head) >= 8:
        return _MOV
    if head.startswith(_EBML_MAGIC):
        # WebM is Matroska with a restricted codec set; ffmpeg reads both, and the probe
        # decides whether there is a decodable video stream.
        return _WEBM
    return None


def _sniff_ftyp(head: bytes) -> Sniffed | None:
    box_size = int.from_bytes(head[0:4], "big")
    major = head[8:12]
    # Compatible brands follow the minor version; read as many as the head holds.
    end = min(len(head), box_size) if box_size >= 16 else len(head)
    compatible = {head[i:i + 4] for i in range(16, end - 3, 4)}
    brands = [major, *sorted(compatible)]

    # The major brand wins; compatible brands settle the generic "mif1"/"msf1" case,
    # where an AVIF announces itself only among the compatible brands.
    if major in _AVIF_BRANDS:
        return _AVIF
    if major in _HEIF_BRANDS:
        return _AVIF if compatible & _AVIF_BRANDS else _HEIC
    if major in _QUICKTIME_BRANDS:
        return _MOV
    if major in _MP4_BRANDS:
        return _MP4
    for brand in brands:
        if brand in _AVIF_BRANDS:
            return _AVIF
        if brand in _HEIF_BRANDS:
            return _HEIC
        if brand in _QUICKTIME_BRANDS:
            return _MOV
        if brand in _MP4_BRANDS:
            return _MP4
    return None


def sniff_file(path: str) -> Sniffed | None:
    """sniff() on the first bytes of the file at `path`."""
    with open(path, "rb") as f:
        return sniff(f.read(SNIFF_BYTES))
