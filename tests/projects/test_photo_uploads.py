"""Photos uploaded with a progress update in the admin: a photo the portal cannot use
is a form error next to the photo, never a server error, and what was typed is kept."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from projects.models import ProgressUpdate
from tests.conftest import logged_in
from tests.projects.test_admin import change_url, form_data

pytestmark = pytest.mark.django_db


def huge_png() -> SimpleUploadedFile:
    """About 49 megapixels in a few kilobytes: under Pillow's own bomb warning, over ours."""
    out = io.BytesIO()
    Image.new("1", (7000, 7000), 1).save(out, "PNG", optimize=True)
    assert len(out.getvalue()) < 100_000
    return SimpleUploadedFile("huge.png", out.getvalue(), content_type="image/png")


def truncated_jpeg() -> SimpleUploadedFile:
    image = Image.effect_noise((400, 300), 64).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return SimpleUploadedFile(
        "cut.jpg", out.getvalue()[: len(out.getvalue()) // 2], content_type="image/jpeg"
    )


def good_png() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "blue").save(out, "PNG")
    return SimpleUploadedFile("site.png", out.getvalue(), content_type="image/png")


def update_with_photo(project, photo):
    return form_data(
        project,
        **{
            "updates-TOTAL_FORMS": "1",
            "updates-0-date": "2021-06-10",
            "updates-0-percent": "60",
            "updates-0-status": "in_progress",
            "updates-0-note": "主体工程已完工，正在铺设桥面",
            "updates-0-photo": photo,
            "updates-0-photo_caption": "施工现场",
        },
    )


@pytest.mark.parametrize(
    ("photo", "message"),
    [(huge_png, "照片像素过多"), (truncated_jpeg, "该文件不是可识别的照片")],
    ids=["too-many-pixels", "truncated-jpeg"],
)
def test_an_unusable_photo_is_a_form_error_and_the_typing_is_kept(
    client, editor_a, make_project, photo, message
):
    project = make_project()
    response = logged_in(client, editor_a).post(change_url(project), update_with_photo(project, photo()))
    assert response.status_code == 200
    inline_errors = response.context["inline_admin_formsets"][0].formset.errors
    assert message in str(inline_errors[0]["photo"])
    assert message in response.text
    assert "主体工程已完工，正在铺设桥面" in response.text and "施工现场" in response.text
    assert not ProgressUpdate.objects.filter(project=project).exists()


def test_a_good_photo_is_stored_once_without_metadata(client, editor_a, make_project):
    project = make_project()
    response = logged_in(client, editor_a).post(change_url(project), update_with_photo(project, good_png()))
    assert response.status_code == 302, response.context and response.context["errors"]
    update = ProgressUpdate.objects.get(project=project)
    assert update.photo.name.startswith("progress/") and update.photo.name.endswith(".jpg")
    with update.photo.open("rb") as stored, Image.open(stored) as image:
        assert image.format == "JPEG" and image.size == (64, 48)
