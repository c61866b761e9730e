from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from units.models import Unit
from units.public_pages import public_page
from units.rates import ROUNDING_RULE

from .figures import catalogue_figures
from .forms import CatalogueSearchForm
from .models import ServiceItem

PAGE_SIZE = 20


@public_page(ServiceItem, Unit, params=("page", *CatalogueSearchForm.base_fields))
def catalogue(request):
    form = CatalogueSearchForm(request.GET or None)
    items = form.filter(ServiceItem.objects.published().select_related("implementing_unit"))
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reforms/list.html",
        {
            "form": form,
            "page": page,
            "filtered": form.has_filters(),
            "figures": catalogue_figures(),
            "rounding_rule": ROUNDING_RULE,
        },
    )


@public_page(ServiceItem, Unit)
def item_detail(request, pk):
    item = get_object_or_404(
        ServiceItem.objects.published().select_related("implementing_unit", "competent_department"), pk=pk
    )
    return render(request, "reforms/detail.html", {"item": item})
