"""Safe image input: bytes from an upload or a camera, or a sample photo, become an RGB image.

Every failure is an `ImageInputError` whose `reason` the pages translate; nothing else escapes.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from core.config import settings
from core.errors import StudentFacingError

# The formats the uploader accepts; PIL is told to try only these decoders.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "BMP", "TIFF", "GIF")  # JPEG covers MPO
UPLOAD_EXTENSIONS = ["jpg", "jpeg", "png", "webp", "bmp", "tif", "tiff", "gif"]

# JPEGs are decoded at a reduced scale (1/2, 1/4 or 1/8) as long as both sides stay at least
# this long (each task page asks for what its models need, see `TaskSpec.input_side`), and
# images of other formats are reduced the same way after decoding: decoding 12 megapixels in
# full costs more than a ViT forward pass, and a 49-megapixel PNG is 147 MB decoded (a class
# uploading them must not keep gigabytes).
DRAFT_SIDE = 512
# Smaller sides give no picture a model can read (and 1 × 50,000 strips break resizing).
MIN_SIDE = 16
# A strip longer than this many times its width has no picture a model can read either, and
# models that resize the short side (depth, detection) would make it tens of thousands of
# pixels long, or round the other side to nothing (16 × 2000 on the depth page).
MAX_ASPECT = 20


@dataclass(frozen=True)
class SamplePhoto:
    """A real photo shipped inside scikit-image's wheel (`skimage.data`), so no download."""

    id: str
    loader: str  # the function in skimage.data
    icon: str  # on the button under its thumbnail: short, and the same in every language


SAMPLE_PHOTOS: tuple[SamplePhoto, ...] = (
    SamplePhoto("chelsea", "chelsea", "🐱"),
    SamplePhoto("coffee", "coffee", "☕"),
    SamplePhoto("astronaut", "astronaut", "👩‍🚀"),
    SamplePhoto("rocket", "rocket", "🚀"),
    SamplePhoto("motorcycle", "stereo_motorcycle", "🏍️"),
)


class ImageReason(StrEnum):
    """Why the bytes are not an image the app can use."""

    EMPTY = "empty"
    TOO_BIG_FILE = "too_big_file"
    NOT_AN_IMAGE = "not_an_image"  # includes formats outside ACCEPTED_FORMATS
    CORRUPT = "corrupt"
    TOO_LARGE = "too_large"
    TOO_SMALL = "too_small"


class ImageInputError(StudentFacingError, ValueError):
    """The bytes are not an image the app can use, and why (`ImageReason`)."""

    Reason = ImageReason
    messages = "input.error"


@dataclass(frozen=True)
class InputImage:
    """An image ready for a model, with what the code snippet needs to reproduce it."""

    image: Image.Image  # RGB
    digest: str  # identifies the content: the key of cached results
    source: str  # "sample", "upload" or "camera"
    name: str  # sample id or file name
    original_size: tuple[int, int]  # (width, height) before any reduction
    drafted: bool  # decoded at reduced size (JPEG draft mode)
    draft_side: int = DRAFT_SIDE  # the smallest side JPEG draft mode had to keep


def _to_rgb(image: Image.Image) -> Image.Image:
    """Any PIL mode to RGB; transparency over white, 16-bit and float scaled, not clipped."""
    if image.mode == "RGB":
        return image
    if image.mode in {"I", "I;16", "I;16B", "I;16L", "I;16N", "F"}:
        values = np.asarray(image, dtype=np.float64)
        low, high = float(values.min()), float(values.max())
        scaled = (values - low) / (high - low) * 255 if high > low else np.zeros_like(values)
        return Image.fromarray(scaled.astype(np.uint8), "L").convert("RGB")
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in {"RGBA", "LA", "PA", "RGBa", "La"}:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def image_digest(data: bytes) -> str:
    """A short fingerprint of the bytes: the key of cached images and results."""
    return hashlib.sha256(data).hexdigest()[:16]


def read_image(
    data: bytes, *, source: str = "upload", name: str = "image", draft_side: int = DRAFT_SIDE
) -> InputImage:
    """Decode uploaded or camera bytes safely; raises `ImageInputError` with a reason."""
    config = settings()
    if not data:
        raise ImageInputError("empty")
    if len(data) > config.max_upload_mb * 1024 * 1024:
        raise ImageInputError("too_big_file", f"{len(data) / 2**20:.0f} MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
            original_size = image.size
            width, height = original_size
            if width * height > config.max_image_pixels:
                raise ImageInputError("too_large", f"{width} × {height}")
            short, long = sorted(original_size)
            if short < MIN_SIDE or long > MAX_ASPECT * short:
                raise ImageInputError("too_small", f"{width} × {height}")
            drafted = False
            if image.format in {"JPEG", "MPO"} and min(width, height) >= 2 * draft_side:
                image.draft("RGB", (draft_side, draft_side))
                drafted = image.size != original_size
            image.seek(0)  # first frame of an animated GIF or a multi-page TIFF
            image.load()
            image = ImageOps.exif_transpose(image)
            rgb = _to_rgb(image)
            if min(rgb.size) >= 2 * draft_side:  # as JPEG draft mode, for any format
                rgb = rgb.reduce(min(rgb.size) // draft_side)
                drafted = True
    except ImageInputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageInputError("too_large", str(exc)[:200]) from None
    except UnidentifiedImageError:
        raise ImageInputError("not_an_image") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageInputError("corrupt", str(exc)[:200]) from None
    return InputImage(
        image=rgb,
        digest=image_digest(data),
        source=source,
        name=name,
        original_size=original_size,
        drafted=drafted,
        draft_side=draft_side,
    )


@lru_cache(maxsize=len(SAMPLE_PHOTOS))
def sample_photo(sample_id: str) -> InputImage:
    """A real photo from `skimage.data` (bundled with scikit-image, no download)."""
    from skimage import data as skdata

    sample = next((s for s in SAMPLE_PHOTOS if s.id == sample_id), None)
    if sample is None:
        raise ValueError(f"unknown sample {sample_id!r}")
    pixels = getattr(skdata, sample.loader)()
    if isinstance(pixels, tuple):  # stereo_motorcycle() is (left, right, disparity)
        pixels = pixels[0]
    image = _to_rgb(Image.fromarray(pixels))
    return InputImage(
        image=image,
        digest=f"sample-{sample.id}",
        source="sample",
        name=sample.id,
        original_size=image.size,
        drafted=False,
    )


def shown_jpeg(image: Image.Image, width: int) -> bytes:
    """`image` as the browser is sent it: at most `width` pixels wide, JPEG of quality 90 (what
    `st.image` would make of it on every run; made once per content by the pages, which pass
    these bytes on unchanged since they are already that wide and that format)."""
    if image.width > width:
        height = max(1, round(image.height * width / image.width))
        image = image.resize((width, height), Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def shown_png(pixels: np.ndarray) -> bytes:
    """An array of pixels (uint8, H × W or H × W × 3) as PNG bytes, exact: what the model is
    handed is shown pixel for pixel. The fastest compression: a 224 × 224 photo in 3.8 ms
    instead of 14 ms (PIL's default level), 6 % larger; a class's uploads each make one."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()
