"""Safe image input: every kind of good image becomes RGB; every bad input gives a clear reason."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from core.tasks.image_input import (
    DRAFT_SIDE,
    SAMPLE_PHOTOS,
    ImageInputError,
    read_image,
    sample_photo,
)


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def photo() -> Image.Image:
    return sample_photo("chelsea").image  # a real photo, 451 × 300


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "BMP", "TIFF"])
def test_common_formats_decode_to_rgb(photo, fmt):
    result = read_image(encode(photo, fmt), name=f"cat.{fmt.lower()}")
    assert result.image.mode == "RGB"
    assert result.image.size == photo.size
    difference = np.abs(np.asarray(result.image, int) - np.asarray(photo, int)).mean()
    assert difference < 8  # lossy formats stay close to the original


def test_rgba_is_composited_on_white():
    rgba = Image.new("RGBA", (40, 30), (255, 0, 0, 0))  # fully transparent red
    rgba.paste((0, 0, 255, 255), (0, 0, 20, 30))  # opaque blue on the left
    result = read_image(encode(rgba, "PNG")).image
    assert result.getpixel((5, 5)) == (0, 0, 255)
    assert result.getpixel((35, 5)) == (255, 255, 255)


def test_palette_with_transparency(photo):
    palette = photo.convert("P", palette=Image.Palette.ADAPTIVE)
    palette.info["transparency"] = 0
    assert read_image(encode(palette, "PNG", transparency=0)).image.mode == "RGB"


def test_grey_and_16_bit_are_scaled_not_clipped():
    ramp = np.linspace(0, 65535, 64 * 32).reshape(32, 64).astype(np.uint16)
    sixteen = Image.fromarray(ramp)
    assert sixteen.mode.startswith("I;16")
    result = np.asarray(read_image(encode(sixteen, "PNG")).image)
    assert result[..., 0].min() == 0 and result[..., 0].max() == 255
    assert 100 < result[..., 0].mean() < 155  # a ramp, not a white image
    grey = read_image(encode(Image.fromarray((ramp // 256).astype(np.uint8)), "PNG")).image
    assert grey.mode == "RGB"


def test_cmyk_jpeg(photo):
    result = read_image(encode(photo.convert("CMYK"), "JPEG")).image
    assert result.mode == "RGB" and result.size == photo.size


def test_animated_gif_gives_its_first_frame():
    frames = [Image.new("RGB", (32, 32), colour) for colour in ("red", "lime", "blue")]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    first = read_image(data).image
    assert first.getpixel((10, 10)) == (255, 0, 0)


def test_exif_orientation_is_applied():
    wide = Image.new("RGB", (60, 20), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    result = read_image(encode(wide, "JPEG", exif=exif)).image
    assert result.size == (20, 60)


def test_large_jpeg_is_decoded_smaller(photo):
    big = photo.resize((4000, 3000))
    result = read_image(encode(big, "JPEG", quality=85), name="big.jpg")
    assert result.drafted and result.original_size == (4000, 3000)
    assert min(result.image.size) >= DRAFT_SIDE and result.image.size[0] < 4000


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"\x00" * 1000, "not_an_image"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><rect/></svg>", "not_an_image"),
        (b"<!doctype html><html><body>hello</body></html>", "not_an_image"),
    ],
)
def test_non_images_are_refused(data, reason):
    with pytest.raises(ImageInputError) as caught:
        read_image(data, name="trick.png")
    assert caught.value.reason == reason


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_truncated_files_are_corrupt(photo, fmt):
    data = encode(photo, fmt)
    with pytest.raises(ImageInputError) as caught:
        read_image(data[: len(data) // 2])
    assert caught.value.reason == "corrupt"


def png_header_only(width: int, height: int) -> bytes:
    """A valid PNG claiming huge dimensions, with almost no data: a decompression bomb."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    data = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def test_decompression_bomb_is_refused():
    with pytest.raises(ImageInputError) as caught:
        read_image(png_header_only(100_000, 100_000))
    assert caught.value.reason == "too_large"


def test_pixel_cap_is_a_setting(monkeypatch, photo):
    monkeypatch.setenv("VTL_MAX_IMAGE_PIXELS", "10000")
    with pytest.raises(ImageInputError) as caught:
        read_image(encode(photo, "PNG"))
    assert caught.value.reason == "too_large"


def test_thin_strip_is_refused():
    with pytest.raises(ImageInputError) as caught:
        read_image(encode(Image.new("RGB", (50_000, 1)), "PNG"))
    assert caught.value.reason == "too_small"


def test_a_strip_wide_enough_but_too_long_is_refused_and_a_panorama_is_not():
    with pytest.raises(ImageInputError) as caught:
        read_image(encode(Image.new("RGB", (16, 2000)), "PNG"))  # 125 : 1
    assert (caught.value.reason, caught.value.detail) == ("too_small", "16 × 2000")
    assert read_image(encode(Image.new("RGB", (2000, 100)), "PNG")).image.size == (2000, 100)


def test_file_over_the_upload_cap(monkeypatch):
    monkeypatch.setenv("VTL_MAX_UPLOAD_MB", "1")
    with pytest.raises(ImageInputError) as caught:
        read_image(b"\xff\xd8" + b"\x00" * (2 * 1024 * 1024))
    assert caught.value.reason == "too_big_file"


def test_a_200_mb_upload_is_refused_without_decoding(monkeypatch):
    """Streamlit refuses it first (server.maxUploadSize); should one reach the app anyway, it is
    refused by its size before any decoding."""

    def no_decoding(*args, **kwargs):
        raise AssertionError("a 200 MB file was handed to the decoder")

    monkeypatch.setattr(Image, "open", no_decoding)
    data = b"\xff\xd8\xff\xe0" + bytes(200 * 2**20)
    with pytest.raises(ImageInputError) as caught:
        read_image(data, name="huge.jpg")
    assert caught.value.reason == "too_big_file" and caught.value.detail == "200 MB"


def test_unsupported_format_is_not_decoded(photo):
    with pytest.raises(ImageInputError) as caught:
        read_image(encode(photo, "ICO"))
    assert caught.value.reason == "not_an_image"


def test_same_bytes_same_digest(photo):
    data = encode(photo, "PNG")
    assert read_image(data).digest == read_image(data).digest
    assert read_image(data).digest != read_image(encode(photo, "BMP")).digest


@pytest.mark.parametrize("sample", [s.id for s in SAMPLE_PHOTOS])
def test_sample_photos_are_real_rgb_photos(sample):
    image = sample_photo(sample).image
    assert image.mode == "RGB" and min(image.size) >= 200
    assert np.asarray(image).std() > 20  # a photo, not a blank
