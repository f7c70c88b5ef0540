"""render_photo: sizes, orientation, metadata stripping, colour, alpha, formats."""

import io
import os

import pytest
from PIL import Image, ImageCms

from server.media import ProcessingFailed, render_photo
from server.media.placeholder import decode_blurhash
from tests.fixtures import images
from tests.fixtures.images import BLUE, RED, photographic

MAGIC = {"jpeg": b"\xff\xd8\xff", "webp": b"RIFF"}
METADATA_BYTES = [b"Exif", b"GPS", b"http://ns.adobe.com/xap", b"Photoshop", b"8BIM", b"SECRET", b"ICC_PROFILE",
                  b"XMP", b"iCCP", b"eXIf", b"tEXt"]


def render(tmp_path, path, **kwargs):
    return render_photo(str(path), str(tmp_path / "out"), **kwargs)


def outputs(result):
    for name, formats in result.files.items():
        for fmt, path in formats.items():
            yield name, fmt, path


def opened(path) -> Image.Image:
    img = Image.open(path)
    img.load()
    return img


def mean_colour(img: Image.Image, box) -> tuple[float, ...]:
    region = img.convert("RGB").crop(box).resize((1, 1), Image.Resampling.BOX)
    return region.getpixel((0, 0))


def close(a, b, tolerance=30):
    return all(abs(x - y) <= tolerance for x, y in zip(a, b))


@pytest.fixture(scope="module")
def camera_result(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("camera")
    path = tmp / "camera.jpg"
    photographic((2000, 1500)).save(path, "JPEG", quality=90)
    return render(tmp, path)


def test_all_widths_thumb_and_formats_for_a_big_photo(camera_result):
    assert (camera_result.width, camera_result.height) == (2000, 1500)
    assert camera_result.sizes == {
        "1440": (1440, 1080), "1080": (1080, 810), "640": (640, 480), "320": (320, 240), "thumb": (150, 150),
    }
    for name, fmt, path in outputs(camera_result):
        data = open(path, "rb").read()
        assert data.startswith(MAGIC[fmt])
        assert opened(path).size == camera_result.sizes[name]
        assert not camera_result.has_alpha


def test_outputs_are_named_by_the_sha256_of_their_bytes(camera_result):
    import hashlib

    for _, fmt, path in outputs(camera_result):
        digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
        assert os.path.basename(path) == f"{digest}.{'jpg' if fmt == 'jpeg' else fmt}"


def test_jpeg_outputs_are_progressive(camera_result):
    for _, fmt, path in outputs(camera_result):
        if fmt == "jpeg":
            assert opened(path).info.get("progressive") or opened(path).info.get("progression")


def test_placeholder_is_a_decodable_blurhash_of_the_picture(camera_result):
    placeholder = camera_result.placeholder
    assert len(placeholder) == 4 + 2 * 4 * 3  # 4x3 components for a landscape photo
    preview = decode_blurhash(placeholder, 32, 24)
    thumb = opened(camera_result.files["320"]["jpeg"])
    assert close(mean_colour(preview, (0, 0, 32, 24)), mean_colour(thumb, (0, 0, 320, 240)), 25)


def test_small_photo_is_never_upscaled(tmp_path):
    path = tmp_path / "small.png"
    photographic((700, 500)).save(path)
    result = render(tmp_path, path)
    assert result.sizes == {"640": (640, 457), "320": (320, 229), "thumb": (150, 150)}


def test_photo_narrower_than_320_keeps_its_width(tmp_path):
    path = tmp_path / "tiny.png"
    photographic((200, 100)).save(path)
    result = render(tmp_path, path)
    assert result.sizes == {"320": (200, 100), "thumb": (150, 150)}


def test_portrait_photo_widths(tmp_path):
    path = tmp_path / "portrait.jpg"
    photographic((1200, 1600)).save(path)
    result = render(tmp_path, path)
    assert result.sizes["1080"] == (1080, 1440)
    assert "1440" not in result.sizes
    assert len(result.placeholder) == 4 + 2 * 3 * 4


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_comes_out_upright(tmp_path, orientation):
    upright = images.marked((400, 300))
    path = tmp_path / f"o{orientation}.jpg"
    images.oriented_jpeg(path, upright, orientation)
    # The fixture itself agrees with Pillow's reading of the tag.
    from PIL import ImageOps

    assert close(mean_colour(ImageOps.exif_transpose(Image.open(path)), (5, 5, 90, 65)), RED)

    result = render(tmp_path, path)
    assert (result.width, result.height) == (400, 300)
    for name, fmt, out in outputs(result):
        img = opened(out)
        w, h = img.size
        if name == "thumb":
            continue  # a centre crop cuts the corners off
        assert close(mean_colour(img, (w * 0.02, h * 0.02, w * 0.22, h * 0.22)), RED), (name, fmt)
        assert close(mean_colour(img, (w * 0.78, h * 0.78, w * 0.98, h * 0.98)), BLUE), (name, fmt)
        assert not close(mean_colour(img, (w * 0.78, h * 0.02, w * 0.98, h * 0.22)), RED)


def assert_no_metadata(result):
    for name, fmt, path in outputs(result):
        data = open(path, "rb").read()
        for marker in METADATA_BYTES:
            assert marker not in data, (name, fmt, marker)
        img = opened(path)
        assert len(img.getexif()) == 0
        assert not set(img.info) & {"exif", "xmp", "icc_profile", "comment", "photoshop", "XML:com.adobe.xmp"}


def test_every_metadata_field_is_stripped_from_jpeg(tmp_path):
    path = tmp_path / "gps.jpg"
    images.jpeg_with_all_metadata(path)
    source = open(path, "rb").read()
    for marker in (b"Exif", b"SECRET-MAKERNOTE", b"http://ns.adobe.com/xap", b"Photoshop", b"SECRET-COMMENT"):
        assert marker in source  # the fixture really carries them
    assert Image.open(path).getexif().get_ifd(0x8825)  # GPS IFD present

    for stage in ("primary", "avif"):
        assert_no_metadata(render(tmp_path, path, stage=stage))


def test_heic_from_a_phone_is_decoded_and_stripped(tmp_path):
    path = tmp_path / "IMG_0001.HEIC"
    images.heic_from_phone(path, (800, 600))
    result = render(tmp_path, path)
    assert (result.width, result.height) == (800, 600)
    assert result.sizes["640"] == (640, 480)
    assert_no_metadata(result)


def test_heic_with_orientation_is_rotated_once(tmp_path):
    path = tmp_path / "IMG_0002.HEIC"
    images.heic_from_phone(path, (600, 400), orientation=6)
    result = render(tmp_path, path)
    assert (result.width, result.height) == (400, 600)


def test_cmyk_jpeg_keeps_its_colours(tmp_path):
    path = tmp_path / "print.jpg"
    picture = images.marked((400, 300))
    picture.convert("CMYK").save(path, "JPEG", quality=95)
    result = render(tmp_path, path)
    img = opened(result.files["320"]["jpeg"])
    assert img.mode == "RGB"
    assert close(mean_colour(img, (8, 8, 72, 52)), RED, 40)
    assert close(mean_colour(img, (250, 185, 315, 235)), BLUE, 40)


def test_16_bit_grey_png_is_scaled_not_clipped(tmp_path):
    path = tmp_path / "deep.png"
    ramp = Image.linear_gradient("L").resize((400, 300)).convert("I").point(lambda v: v * 257)
    ramp.convert("I;16").save(path)
    assert Image.open(path).mode.startswith("I")
    result = render(tmp_path, path)
    img = opened(result.files["320"]["jpeg"])
    top, bottom = mean_colour(img, (0, 0, 320, 20)), mean_colour(img, (0, 220, 320, 240))
    assert top[0] < 40 and bottom[0] > 215  # a clipped conversion would be white everywhere


def test_palette_png_with_transparency_keeps_alpha_in_webp(tmp_path):
    path = tmp_path / "sticker.png"
    img = Image.new("P", (400, 300), 0)
    img.putpalette([0, 0, 0, 220, 30, 30] + [0] * 762)
    img.paste(1, (100, 75, 300, 225))
    img.save(path, transparency=0)
    result = render(tmp_path, path)
    assert result.has_alpha
    webp = opened(result.files["320"]["webp"])
    assert webp.mode == "RGBA"
    assert webp.getpixel((5, 5))[3] == 0 and webp.getpixel((160, 120))[3] == 255
    jpeg = opened(result.files["320"]["jpeg"])
    assert close(jpeg.getpixel((5, 5)), (255, 255, 255), 10)  # flattened on white
    assert close(jpeg.getpixel((160, 120)), RED, 20)


def test_grey_with_alpha_and_opaque_rgba(tmp_path):
    path = tmp_path / "la.png"
    Image.new("LA", (400, 300), (128, 100)).save(path)
    assert render(tmp_path, path).has_alpha
    opaque = tmp_path / "opaque.png"
    photographic((400, 300)).convert("RGBA").save(opaque)
    result = render(tmp_path, opaque)
    assert not result.has_alpha  # a fully opaque alpha channel is dropped
    assert opened(result.files["320"]["webp"]).mode == "RGB"


def test_animated_gif_uses_its_first_frame(tmp_path):
    path = tmp_path / "anim.gif"
    frames = [Image.new("RGB", (400, 300), RED), Image.new("RGB", (400, 300), BLUE)]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    result = render(tmp_path, path)
    assert close(mean_colour(opened(result.files["320"]["jpeg"]), (0, 0, 320, 240)), RED, 15)


def test_display_p3_photo_is_converted_to_srgb(tmp_path):
    profile_bytes = images.display_p3_like_profile()
    p3_colour = (40, 170, 60)
    path = tmp_path / "p3.jpg"
    Image.new("RGB", (400, 300), p3_colour).save(path, "JPEG", quality=98, icc_profile=profile_bytes)

    expected = ImageCms.profileToProfile(
        Image.new("RGB", (1, 1), p3_colour), ImageCms.ImageCmsProfile(io.BytesIO(profile_bytes)),
        ImageCms.createProfile("sRGB"),
    ).getpixel((0, 0))
    assert not close(expected, p3_colour, 10)  # the conversion is visible at all

    result = render(tmp_path, path)
    for _, fmt, out in outputs(result):
        img = opened(out)
        assert "icc_profile" not in img.info
        assert close(mean_colour(img, (10, 10, 140, 140)), expected, 6), fmt


def test_webp_and_avif_inputs(tmp_path):
    for fmt in ("WEBP", "AVIF"):
        path = tmp_path / f"in.{fmt.lower()}"
        images.marked((500, 400)).save(path, fmt, quality=90)
        result = render(tmp_path, path)
        assert result.sizes["320"] == (320, 256)
        img = opened(result.files["320"]["jpeg"])
        assert close(mean_colour(img, (5, 5, 70, 55)), RED, 40)


def test_avif_stage_produces_avif_variants(camera_result, tmp_path):
    path = tmp_path / "camera.jpg"
    images.marked((800, 600)).save(path, "JPEG")
    result = render(tmp_path, path, stage="avif")
    assert set(result.files) == {"640", "320", "thumb"}
    for name, fmt, out in outputs(result):
        assert fmt == "avif"
        data = open(out, "rb").read()
        assert data[4:12] == b"ftypavif"
        assert opened(out).size == result.sizes[name]


def test_very_tall_screenshot_fits_webp_limits(tmp_path):
    path = tmp_path / "long.png"
    Image.new("RGB", (320, 17000), (200, 200, 200)).save(path)
    result = render(tmp_path, path)
    assert result.sizes["320"] == (308, 16383)


def test_unsupported_original_fails_processing(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(ProcessingFailed):
        render(tmp_path, path)


def test_truncated_original_fails_processing_with_a_reason(tmp_path):
    path = tmp_path / "cut.jpg"
    images.truncated(images.encoded(photographic((800, 600)), "JPEG"), path)
    with pytest.raises(ProcessingFailed) as info:
        render(tmp_path, path)
    assert "decode" in info.value.reason or "damaged" in info.value.reason


def test_unknown_stage_is_a_programming_error(tmp_path):
    with pytest.raises(ValueError):
        render_photo("x", str(tmp_path), stage="jpeg-xl")


def test_rendering_twice_gives_the_same_files(tmp_path):
    path = tmp_path / "again.jpg"
    photographic((700, 500)).save(path)
    assert render(tmp_path, path).files == render(tmp_path, path).files
