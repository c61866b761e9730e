"""The service-item catalogue as a spreadsheet (政务服务事项目录): export, and import of the same file."""

from imports.resources import (
    ChoiceWidget,
    DateWidget,
    IntegerWidget,
    LedgerInstanceLoader,
    LedgerResource,
    NamedForeignKeyWidget,
    YesNoWidget,
    column,
)
from units.models import Unit

from .models import ServiceItem, normalise_code


class ServiceItemResource(LedgerResource):
    # A clerk's catalogue sheet: an item cannot exist without its name, code and the unit
    # that keeps it; a row without 编号 is the item of its code (codes ignore case).
    required_columns = ("事项名称", "事项编码", "实施主体")
    natural_key = "code"
    column_aliases = {"实施部门": "实施主体"}

    name = column("name", "事项名称")
    code = column("code", "事项编码")
    item_type = column("item_type", "事项类型", ChoiceWidget(ServiceItem.Type.choices))
    competent_department = column(
        "competent_department", "主管部门", NamedForeignKeyWidget(Unit, label="主管部门")
    )
    implementing_unit = column("implementing_unit", "实施主体", NamedForeignKeyWidget(Unit, label="实施主体"))
    legal_basis = column("legal_basis", "设定依据")
    level = column("level", "办理层级", ChoiceWidget(ServiceItem.Level.choices))
    time_limit_days = column("time_limit_days", "承诺时限(工作日)", IntegerWidget())
    legal_time_limit_days = column("legal_time_limit_days", "法定时限(工作日)", IntegerWidget())
    is_free = column("is_free", "是否免费", YesNoWidget())
    fee = column("fee", "收费标准")
    visits = column("visits", "跑动次数", IntegerWidget())
    online = column("online", "可网上办理", YesNoWidget())
    online_url = column("online_url", "网上办理地址")
    materials = column("materials", "办理材料")
    place = column("place", "办理地点")
    office_hours = column("office_hours", "办理时间")
    phone = column("phone", "咨询电话")
    nearby = column("nearby", "村(社区)就近办", YesNoWidget())
    one_seal = column("one_seal", "一枚公章直办出证", YesNoWidget())
    batch = column("batch", "一件事一次办批次", IntegerWidget())
    planned_landing_on = column("planned_landing_on", "计划落地日期", DateWidget())
    landed_on = column("landed_on", "落地日期", DateWidget())
    should_enter = column("should_enter", "应进驻一窗通办", YesNoWidget())
    has_entered = column("has_entered", "已进驻一窗通办", YesNoWidget())
    planned_entry_on = column("planned_entry_on", "计划进驻日期", DateWidget())
    entered_on = column("entered_on", "进驻日期", DateWidget())

    class Meta:
        model = ServiceItem
        fields = [
            "id",
            "name",
            "code",
            "item_type",
            "competent_department",
            "implementing_unit",
            "legal_basis",
            "level",
            "time_limit_days",
            "legal_time_limit_days",
            "is_free",
            "fee",
            "visits",
            "online",
            "online_url",
            "materials",
            "place",
            "office_hours",
            "phone",
            "nearby",
            "one_seal",
            "batch",
            "planned_landing_on",
            "landed_on",
            "should_enter",
            "planned_entry_on",
            "has_entered",
            "entered_on",
            "version",
        ]
        import_id_fields = ["id"]
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True
        chunk_size = 500
        # One query loads every row's existing item (through the scoped queryset).
        instance_loader_class = LedgerInstanceLoader

    batched_writes = True  # ServiceItem.clean reads no other rows

    def natural_key_value(self, value) -> str:
        return normalise_code(super().natural_key_value(value))

    def get_queryset(self):
        return super().get_queryset().select_related("competent_department", "implementing_unit")

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("competent_department", "implementing_unit")
