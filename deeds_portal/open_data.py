"""/open-data/: the list of datasets and their JSON and CSV downloads (see units.open_data)."""

from django.shortcuts import render
from django.urls import path

from projects.models import ProgressUpdate, Project, Round
from units import open_data
from units.models import Unit
from units.public_pages import public_page


@public_page(Project, ProgressUpdate, Round, Unit)
def index(request):
    return render(request, "portal/open_data.html", {"datasets": open_data.datasets()})


urlpatterns = [
    path("", index, name="open-data"),
    path("<slug:slug>.json", open_data.dataset_json, name="open-data-json"),
    path("<slug:slug>.csv", open_data.dataset_csv, name="open-data-csv"),
]
