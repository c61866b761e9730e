"""Uploaded photos made fit for a public page.

Phone photos carry EXIF metadata, often the GPS position where they were taken
and the device's owner; public pages must not. Re-encoding drops all of it, turns
the picture upright (EXIF orientation) and caps its size for slow phones.

``PublicPhotoField`` does this when the model is validated, so a photo the portal
cannot use is a form error next to the photo rather than a failed save.
"""

import io
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_SIDE = 1600
JPEG_QUALITY = 82
# Refuse decompression bombs well before Pillow's own (much higher) warning limit.
MAX_PIXELS = 40_000_000


class CleanedPhoto(ContentFile):
    """A photo that ``clean_photo`` already re-encoded: encoding it again only loses quality."""


def clean_photo(upload) -> CleanedPhoto:
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
    return CleanedPhoto(out.getvalue(), name=Path(upload.name).stem + ".jpg")


def _is_new_upload(file) -> bool:
    return bool(file) and not file._committed and not isinstance(file.file, CleanedPhoto)


class PublicPhotoField(models.ImageField):
    """An image field whose new uploads pass through ``clean_photo``.

    Model validation (``full_clean``, which admin and model forms run) re-encodes
    the upload, so an unreadable or oversized picture becomes a validation error
    on this field. Code that saves without validating still gets a clean photo,
    made just before the file is stored.
    """

    def clean(self, value, model_instance):
        value = super().clean(value, model_instance)
        return clean_photo(value) if _is_new_upload(value) else value

    def pre_save(self, model_instance, add):
        photo = getattr(model_instance, self.attname)
        if _is_new_upload(photo):
            setattr(model_instance, self.attname, clean_photo(photo))
        return super().pre_save(model_instance, add)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        # Stored exactly like an ImageField, so migrations need not know the difference.
        return name, "django.db.models.ImageField", args, kwargs
