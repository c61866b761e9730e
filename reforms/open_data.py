"""The approval-reform catalogue as open data: what /reforms/ shows, with the same filters."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from units.models import Unit
from units.open_data import Dataset

from .forms import CatalogueSearchForm
from .models import ServiceItem


def item_rows(request):
    form = CatalogueSearchForm(request.GET or None)
    items = form.filter(
        ServiceItem.objects.published().select_related("implementing_unit", "competent_department")
    )
    for item in items.order_by("code"):
        yield {
            "code": item.code,
            "name": item.name,
            "type": item.get_item_type_display(),
            "competent_department": item.competent_department.name,
            "implementing_body": item.implementing_unit.name,
            "level": item.get_level_display(),
            "time_limit_days": item.time_limit_days,
            "legal_time_limit_days": item.legal_time_limit_days,
            "free": item.is_free,
            "fee": item.fee,
            "visits": item.visits,
            "online": item.online,
            "online_url": item.online_url,
            "materials": "\n".join(item.materials_list),
            "place": item.place,
            "office_hours": item.office_hours,
            "phone": item.phone,
            "nearby": item.nearby,
            "one_seal": item.one_seal,
            "batch": item.batch,
            "planned_landing_on": item.planned_landing_on,
            "landed_on": item.landed_on,
            "landed": item.has_landed,
            "should_enter_hall": item.should_enter,
            "planned_entry_on": item.planned_entry_on,
            "has_entered_hall": item.is_in_hall,
            "entered_on": item.entered_on,
            "url": request.build_absolute_uri(reverse("reforms:detail", args=[item.pk])),
        }


SERVICE_ITEMS = Dataset(
    slug="service-items",
    title=_("Approval reform: the service item catalogue"),
    description=_("Every service item with where it is handled and the reforms it belongs to."),
    fields=[
        ("code", _("Item code (事项编码)")),
        ("name", _("Item name (事项名称)")),
        ("type", _("Item type (事项类型)")),
        ("competent_department", _("Competent department (主管部门)")),
        ("implementing_body", _("Implementing body (实施主体)")),
        ("level", _("Level where it is handled")),
        ("time_limit_days", _("Promised time limit in working days")),
        ("legal_time_limit_days", _("Legal time limit (法定时限) in working days")),
        ("free", _("Free of charge (true/false)")),
        ("fee", _("Fee, when not free")),
        ("visits", _("Visits it takes (跑动次数)")),
        ("online", _("Can be done online (true/false)")),
        ("online_url", _("Where it is done online (网上办理), an http(s) address")),
        ("materials", _("Materials to bring (办理材料), one per line")),
        ("place", _("Where to go (办理地点)")),
        ("office_hours", _("Office hours (办理时间)")),
        ("phone", _("The office's consultation phone (咨询电话)")),
        ("nearby", _("Handled nearby in the village or community (就近办)")),
        ("one_seal", _("Issued by the village with one seal (一枚公章)")),
        ("batch", _("一件事一次办 batch number, empty when none")),
        ("planned_landing_on", _("Date the batch item is planned to land, YYYY-MM-DD")),
        ("landed_on", _("Date the batch item landed (落地), YYYY-MM-DD")),
        ("landed", _("Landed as of today (true/false): its landing date has come")),
        ("should_enter_hall", _("Should enter the one-window hall (一窗通办)")),
        ("planned_entry_on", _("Date it is planned to enter the hall, YYYY-MM-DD")),
        ("has_entered_hall", _("Has entered the one-window hall as of today")),
        ("entered_on", _("Date it entered the hall (进驻日期), YYYY-MM-DD")),
        ("url", _("The item's public page")),
    ],
    rows=item_rows,
    models=(ServiceItem, Unit),
    params=tuple(CatalogueSearchForm.base_fields),
    filters=_("q (words of the name), reform, level, item_type, department — as on the catalogue page"),
)
