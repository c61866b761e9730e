"""Photos for public pages: no metadata (GPS position), upright, small enough for a phone."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from units.images import MAX_SIDE, clean_photo

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def phone_photo(width=4000, height=3000, orientation=1) -> SimpleUploadedFile:
    image = Image.new("RGB", (width, height), "green")
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (29.0, 7.0, 0.0), 3: "E", 4: (110.0, 28.0, 0.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return SimpleUploadedFile("IMG_0001.JPG", out.getvalue(), content_type="image/jpeg")


def test_location_and_camera_metadata_are_removed():
    original = phone_photo()
    with Image.open(io.BytesIO(original.read())) as before:
        assert before.getexif().get_ifd(GPS_IFD)
    cleaned = clean_photo(original)
    with Image.open(io.BytesIO(cleaned.read())) as after:
        assert not after.getexif()
        assert "exif" not in after.info


def test_large_photos_are_scaled_down_and_turned_upright():
    cleaned = clean_photo(phone_photo(4000, 3000, orientation=6))  # taken with the phone turned
    with Image.open(io.BytesIO(cleaned.read())) as image:
        assert max(image.size) == MAX_SIDE
        assert image.height > image.width


def test_a_file_that_is_not_a_photo_is_refused():
    with pytest.raises(ValidationError):
        clean_photo(SimpleUploadedFile("fake.jpg", b"not an image at all"))
