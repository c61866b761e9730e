"""Open data (开放数据): machine-readable downloads of what the public pages show.

Each app registers its datasets (in its AppConfig.ready) with the rows a
public page shows: no drafts and no personal data. The portal lists them at
``/open-data/`` and serves each as JSON and CSV, with the same filters as the
page, from the public page cache.
"""

import csv
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse

from .cells import neutralise_formula
from .public_pages import PublicPage, public_page, watch


@dataclass(frozen=True)
class Dataset:
    slug: str
    title: str
    description: str
    # (key, meaning) for every field of a row, in file order: the documented field list.
    fields: list[tuple[str, str]]
    rows: Callable[..., Iterable[dict]]  # rows(request) → dicts keyed by the field keys
    models: tuple = field(default=())
    filters: str = ""  # which query parameters filter it, as on its page (in words)
    params: tuple = ()  # those parameters' names: the page cache keeps only them


_registry: dict[str, Dataset] = {}


def register(dataset: Dataset) -> None:
    watch(*dataset.models)
    _registry[dataset.slug] = dataset


def datasets() -> list[Dataset]:
    return list(_registry.values())


def _dataset(slug: str) -> Dataset:
    try:
        return _registry[slug]
    except KeyError:
        raise Http404 from None


def _declaration(slug: str) -> PublicPage:
    dataset = _registry.get(slug)
    return PublicPage(dataset.models, dataset.params) if dataset else PublicPage()


@public_page(declared_by=_declaration)
def dataset_json(request, slug):
    dataset = _dataset(slug)
    rows = list(dataset.rows(request))
    body = {
        "dataset": dataset.slug,
        "title": str(dataset.title),
        "fields": [{"name": key, "description": str(meaning)} for key, meaning in dataset.fields],
        "count": len(rows),
        "rows": rows,
    }
    response = HttpResponse(
        json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False), content_type="application/json"
    )
    response["Access-Control-Allow-Origin"] = "*"  # open data may be read by any site's scripts
    return response


@public_page(declared_by=_declaration)
def dataset_csv(request, slug):
    dataset = _dataset(slug)
    keys = [key for key, _ in dataset.fields]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(keys)
    for row in dataset.rows(request):
        writer.writerow(
            [
                neutralise_formula(value) if isinstance(value, str) else _plain(value)
                for value in map(row.get, keys)
            ]
        )
    # A BOM so Excel on Chinese Windows opens the UTF-8 file correctly.
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{dataset.slug}.csv"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _plain(value):
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
