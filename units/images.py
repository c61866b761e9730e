"""Uploaded photos made fit for a public page.

Phone photos carry EXIF metadata, often the GPS position where they were taken
and the device's owner; public pages must not. Re-encoding drops all of it, turns
the picture upright (EXIF orientation) and caps its size for slow phones.
"""

import io
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_SIDE = 1600
JPEG_QUALITY = 82
# Refuse decompression bombs well before Pillow's own (much higher) warning limit.
MAX_PIXELS = 40_000_000


def clean_photo(upload) -> ContentFile:
    """Return an upright JPEG without metadata, at most MAX_SIDE pixels wide or high."""
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(_("The photo has too many pixels."))
            image = ImageOps.exif_transpose(image)
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            rgb = image.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ValidationError(_("The file is not a photo the portal can read.")) from None
    out = io.BytesIO()
    rgb.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return ContentFile(out.getvalue(), name=Path(upload.name).stem + ".jpg")
