"""/media/: uploads are served by the app that owns their folder, under that app's rule."""

import ast
import datetime
import io
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from projects.models import ProgressUpdate
from tests.conftest import add_update
from units.media import collect_media_handlers

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_APPS = {"projects", "reforms", "hotline", "volunteers", "deeds_portal"}
pytestmark = pytest.mark.django_db


def png() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    return SimpleUploadedFile("p.png", out.getvalue())


@pytest.fixture
def published_photo(make_project):
    return add_update(make_project(), datetime.date(2021, 6, 1), 50, photo=png())


def test_a_published_progress_photo_is_served_by_its_app(client, published_photo):
    response = client.get(published_photo.photo.url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=3600"
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8")


def test_projects_serves_only_its_own_folder(client, published_photo):
    # A file outside progress/ that a progress row happens to name is not projects' to serve.
    default_storage.save("volunteers/id-card.jpg", ContentFile(b"\xff\xd8private"))
    ProgressUpdate.objects.filter(pk=published_photo.pk).update(photo="volunteers/id-card.jpg")
    assert client.get("/media/volunteers/id-card.jpg").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/media/%00",
        "/media/progress/%00.jpg",
        "/media/progress/../progress/x.jpg",
        "/media/progress/./x.jpg",
        "/media//etc/passwd",
        "/media/progress//x.jpg",
        "/media/progress\\..\\x.jpg",
        "/media/unknown/x.jpg",
        "/media/progress",
    ],
)
def test_names_no_app_owns_or_that_leave_the_upload_folder_are_not_found(client, published_photo, url):
    assert client.get(url).status_code == 404


def app(label, **handlers):
    return SimpleNamespace(label=label, media_handlers=handlers)


def test_each_upload_folder_has_one_owner():
    assert collect_media_handlers([app("a", **{"a/": "x.view"}), SimpleNamespace(label="b")]) == {
        "a/": "x.view"
    }
    with pytest.raises(ImproperlyConfigured):
        collect_media_handlers([app("a", **{"photos/": "x.view"}), app("b", **{"photos/ids/": "y.view"})])
    for bad in ["photos", "/photos/", "../photos/", ""]:
        with pytest.raises(ImproperlyConfigured):
            collect_media_handlers([app("a", **{bad: "x.view"})])


def test_the_shared_app_imports_no_domain_app():
    for source in (ROOT / "units").rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(), str(source))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            assert not {name.split(".")[0] for name in names} & DOMAIN_APPS, source
