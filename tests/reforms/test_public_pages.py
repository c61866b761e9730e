"""What a citizen sees at /reforms/: search, filters, the count, an empty result, an item page."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reforms.models import ServiceItem
from tests.kit import rendered
from tests.units.factories import make_unit
from units.models import Unit

from .factories import item_rows, make_item

pytestmark = pytest.mark.django_db
LIST = reverse("reforms:list")
V, C, T = ServiceItem.Level.VILLAGE, ServiceItem.Level.CITY, ServiceItem.Level.TOWNSHIP


@pytest.fixture
def catalogue(db):
    civil = make_unit("市民政局", kind=Unit.Kind.DEPARTMENT)
    health = make_unit("市卫生健康委员会", kind=Unit.Kind.DEPARTMENT)
    housing = make_unit("市住房和城乡建设局", kind=Unit.Kind.DEPARTMENT)
    return {
        "elderly": make_item(
            civil,
            name="老年人优待证办理",
            level=V,
            nearby=True,
            one_seal=True,
            item_type=ServiceItem.Type.PUBLIC_SERVICE,
            time_limit_days=0,
            visits=1,
        ),
        "subsidy": make_item(
            civil,
            name="高龄老年人津贴申领",
            level=T,
            nearby=True,
            item_type=ServiceItem.Type.PAYMENT,
            batch=2,
        ),
        "birth": make_item(
            health,
            name="生育服务登记证",
            level=V,
            nearby=True,
            one_seal=True,
            item_type=ServiceItem.Type.PUBLIC_SERVICE,
        ),
        "permit": make_item(
            housing,
            name="建筑工程施工许可证核发",
            level=C,
            should_enter=True,
            has_entered=True,
            time_limit_days=5,
            visits=0,
            is_free=False,
            fee="按规定标准收取",
        ),
    }


def names(response) -> set[str]:
    return {item.name for item in response.context["page"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "老年"}, {"老年人优待证办理", "高龄老年人津贴申领"}),
        ({"q": "老年 津贴"}, {"高龄老年人津贴申领"}),
        ({"q": "证 登记"}, {"生育服务登记证"}),
        ({"reform": "nearby"}, {"老年人优待证办理", "高龄老年人津贴申领", "生育服务登记证"}),
        ({"reform": "one_seal"}, {"老年人优待证办理", "生育服务登记证"}),
        ({"reform": "one_go"}, {"高龄老年人津贴申领"}),
        ({"reform": "one_window"}, {"建筑工程施工许可证核发"}),
        ({"level": "village"}, {"老年人优待证办理", "生育服务登记证"}),
        ({"item_type": "payment"}, {"高龄老年人津贴申领"}),
        ({"q": "老年", "level": "village", "reform": "one_seal"}, {"老年人优待证办理"}),
        ({"q": "证", "item_type": "licensing"}, {"建筑工程施工许可证核发"}),
        ({"level": "nowhere", "q": "生育"}, {"生育服务登记证"}),  # an unknown value is ignored
    ],
)
def test_search_and_filters(client, catalogue, query, expected):
    response = client.get(LIST, query)
    assert response.status_code == 200
    assert names(response) == expected
    assert response.context["page"].paginator.count == len(expected)


def test_department_filter_offers_departments_with_items(client, catalogue, unit_a):
    response = client.get(LIST)
    offered = {unit.name for unit in response.context["form"].fields["department"].queryset}
    assert offered == {"市民政局", "市卫生健康委员会", "市住房和城乡建设局"}
    civil = Unit.objects.get(name="市民政局")
    response = client.get(LIST, {"department": civil.pk, "q": "老年"})
    assert names(response) == {"老年人优待证办理", "高龄老年人津贴申领"}


def test_the_count_is_shown(client, catalogue):
    response = client.get(LIST, {"q": "老年"})
    assert "2" in response.content.decode().split('id="match-count"')[1].split("</p>")[0]


def test_an_empty_result_says_so_and_offers_to_clear_filters(client, catalogue):
    response = client.get(LIST, {"q": "不存在的事项", "level": "city"})
    text = response.content.decode()
    assert names(response) == set()
    assert "没有匹配的事项" in text
    assert f'href="{LIST}"' in text and "清除全部筛选" in text


def test_figures_on_the_page_say_what_each_rate_divides_by(client, catalogue):
    text = client.get(LIST).content.decode()
    figures = rendered(client, LIST).context["figures"]
    assert figures["nearby"] == 3 and figures["window_entry_rate"] == 100
    assert "已进驻事项 ÷ 应进驻事项" in text
    assert "已落地事项 ÷ 纳入批次的事项" in text
    assert "四舍五入" in text


def test_no_item_should_enter_shows_a_dash_not_zero(client, unit_a):
    make_item(unit_a, nearby=True)
    text = client.get(LIST).content.decode()
    assert "—" in text.split('class="figures reform-figures"')[1].split("</dl>")[0]


def test_detail_says_where_at_which_level_seal_time_visits_fee(client, catalogue):
    text = client.get(catalogue["elderly"].get_absolute_url()).content.decode()
    for expected in [
        "老年人优待证办理",
        "市民政局",
        "村社区",
        "村(社区)直接出具",
        "即办",
        "最多跑1次",
        "免费",
    ]:
        assert expected in text, expected
    text = client.get(catalogue["permit"].get_absolute_url()).content.decode()
    for expected in ["5个工作日", "不用跑", "按规定标准收取", "一窗受理"]:
        assert expected in text, expected


def test_unknown_item_is_404(client, db):
    assert client.get(reverse("reforms:detail", args=[999999])).status_code == 404


def _queries(client, url) -> tuple[int, int]:
    """Queries of the page rendered anew: with the figures not cached yet, then cached.

    Between the two requests only the page itself is dropped from the page cache (a
    generation bump), so the second render still finds the catalogue's figures cached.
    """
    from units.public_pages import _bump

    counts = []
    cache.clear()
    for _ in range(2):
        _bump()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured.captured_queries))
    return tuple(counts)


@pytest.mark.parametrize("url", [LIST, LIST + "?q=批量+事项&level=village&reform=one_go&page=2"])
def test_the_list_runs_the_same_queries_for_50_and_5000_items(client, url, django_assert_num_queries):
    units = [make_unit(f"市直单位{n}", kind=Unit.Kind.DEPARTMENT) for n in range(5)]
    for n, unit in enumerate(units):
        ServiceItem.objects.bulk_create(item_rows(unit, 10, start=n * 10_000, batch=1))
    assert ServiceItem.objects.count() == 50
    cold, cached = _queries(client, url)
    assert cached == cold - 2  # the figures' one aggregate query and the department choices
    for n, unit in enumerate(units):
        ServiceItem.objects.bulk_create(item_rows(unit, 990, start=n * 10_000 + 10, batch=2))
    assert ServiceItem.objects.count() == 5000
    cache.clear()
    with django_assert_num_queries(cold):
        response = client.get(url)
    assert response.context["page"].paginator.count >= 21
    assert response.context["figures"]["total"] == 5000
    from units.public_pages import _bump

    _bump()  # a new page generation: the figures stay cached
    with django_assert_num_queries(cached):
        client.get(url)


def test_figures_on_the_page_follow_an_item_changed_in_the_admin(
    client, catalogue, office_admin, django_capture_on_commit_callbacks
):
    assert client.get(LIST).context["figures"]["window_entry_rate"] == 100
    permit = catalogue["permit"]
    permit.has_entered = False
    with django_capture_on_commit_callbacks(execute=True):  # the page cache follows at commit
        permit.save()
    assert client.get(LIST).context["figures"]["window_entry_rate"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        permit.delete()
    assert client.get(LIST).context["figures"]["window_entry_rate"] is None


def test_dashboard_shows_the_catalogues_figures_from_the_same_query(client, catalogue):
    response = client.get("/")
    assert response.context["reform_figures"] == rendered(client, LIST).context["figures"]
    text = response.content.decode()
    figures = text.split('class="figures reform-figures"')[1].split("</dl>")[0]
    assert "<dd>3</dd>" in figures and "<dd>100%</dd>" in figures
    assert f'href="{LIST}"' in text
    make_item(Unit.objects.get(name="市民政局"), should_enter=True)
    assert rendered(client, "/").context["reform_figures"]["window_entry_rate"] == 50


def test_department_choices_follow_a_new_department_and_a_renamed_one(
    client, catalogue, django_capture_on_commit_callbacks
):
    from units.public_pages import _bump

    def offered():
        _bump()  # the page anew, but the cached choices kept: they must follow the writes themselves
        form = client.get(LIST).context["form"]
        return {str(label) for value, label in form.fields["department"].widget.choices if value}

    assert offered() == {"市民政局", "市卫生健康委员会", "市住房和城乡建设局"}
    tax = make_unit("市税务局", kind=Unit.Kind.DEPARTMENT)
    assert "市税务局" not in offered()  # no items yet
    with django_capture_on_commit_callbacks(execute=True):
        make_item(tax, name="个人所得税纳税记录开具", level=C)
    assert "市税务局" in offered()
    tax.name = "国家税务总局本市税务局"
    with django_capture_on_commit_callbacks(execute=True):
        tax.save()
    assert "国家税务总局本市税务局" in offered()
    response = client.get(LIST, {"department": tax.pk})
    assert names(response) == {"个人所得税纳税记录开具"}


def test_a_date_still_to_come_reads_as_planned_on_the_page_and_counts_nothing(client, unit_a):
    import datetime

    import time_machine

    with time_machine.travel(datetime.datetime(2021, 6, 15, 2, 0, tzinfo=datetime.UTC), tick=False):
        soon = make_item(unit_a, name="开办餐饮店一件事", batch=3, landed_on=datetime.date(2021, 9, 1))
        plan = make_item(
            unit_a, name="新生儿出生一件事", batch=4, planned_landing_on=datetime.date(2021, 12, 1)
        )
        hall = make_item(
            unit_a,
            name="公积金提取",
            should_enter=True,
            has_entered=True,
            entered_on=datetime.date(2022, 1, 1),
        )
        text = client.get(soon.get_absolute_url()).content.decode()
        assert "将于2021年9月1日落地" in text and "已于" not in text
        text = client.get(plan.get_absolute_url()).content.decode()
        assert "尚未落地" in text and "计划于2021年12月1日落地" in text
        text = client.get(hall.get_absolute_url()).content.decode()
        assert "将于2022年1月1日进驻" in text and "已进驻政务大厅" not in text
        figures = client.get(LIST).context["figures"]
        assert (figures["one_go_landed"], figures["window_entered"]) == (0, 0)
        assert figures["window_entry_rate"] == 0
        rows = {row["name"]: row for row in client.get("/open-data/service-items.json").json()["rows"]}
        assert (
            rows["开办餐饮店一件事"]["landed"] is False
            and rows["开办餐饮店一件事"]["landed_on"] == "2021-09-01"
        )
        assert rows["新生儿出生一件事"]["planned_landing_on"] == "2021-12-01"
        assert rows["公积金提取"]["has_entered_hall"] is False
    with time_machine.travel(datetime.datetime(2022, 1, 1, 2, 0, tzinfo=datetime.UTC), tick=False):
        rows = {row["name"]: row for row in client.get("/open-data/service-items.json").json()["rows"]}
        assert rows["开办餐饮店一件事"]["landed"] is True and rows["公积金提取"]["has_entered_hall"] is True
        assert not rows["新生儿出生一件事"]["landed"]  # a plan is never counted


def test_the_item_page_is_a_service_guide(client, unit_a):
    item = make_item(
        unit_a,
        name="老年人优待证办理",
        time_limit_days=3,
        legal_time_limit_days=20,
        is_free=True,
        online=True,
        online_url="https://zwfw.example.gov.cn/item/1?from=portal&x=1",
        materials="居民身份证\n\n- 户口簿\n近期免冠一寸照片2张",
        place="大庸路便民服务中心一楼3号窗口",
        office_hours="工作日 8:30-12:00，14:30-17:30",
        phone="0744-8221234",
    )
    text = client.get(item.get_absolute_url()).content.decode()
    materials = text.split('class="materials"')[1].split("</ol>")[0]
    assert re.findall(r"<li>([^<]*)</li>", materials) == ["居民身份证", "户口簿", "近期免冠一寸照片2张"]
    for expected in [
        "办理材料",
        "大庸路便民服务中心一楼3号窗口",
        "工作日 8:30-12:00，14:30-17:30",
        '<a href="tel:07448221234">0744-8221234</a>',
        'href="https://zwfw.example.gov.cn/item/1?from=portal&amp;x=1"',
        "承诺时限",
        "3个工作日",
        "法定时限",
        "20个工作日",
        "免费",
    ]:
        assert expected in text, expected


def test_a_guide_not_filled_in_says_so_rather_than_showing_blanks(client, unit_a):
    item = make_item(unit_a, name="生育服务登记证", online=False)
    text = client.get(item.get_absolute_url()).content.decode()
    assert "尚未公布" in text and "法定时限" not in text and "tel:" not in text
    assert "<dt>办理地点</dt><dd>未注明</dd>" in text  # not the city bureau for a village item


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("online_url", "javascript:alert(1)"),
        ("online_url", "data:text/html,<script>alert(1)</script>"),
        ("online_url", "ftp://files.example.gov.cn/form.doc"),
        ("phone", "<script>"),
        ("phone", "王主任 13912345678"),
        ("phone", "139-1234-5678"),  # a mobile: a person's number, not the office's
        ("phone", "0744-8221234、+86 139 1234 5678"),
    ],
)
def test_a_link_or_phone_that_is_no_web_address_or_number_is_refused(unit_a, field, value):
    from django.core.exceptions import ValidationError

    item = make_item(unit_a)
    setattr(item, field, value)
    with pytest.raises(ValidationError) as refused:
        item.full_clean()
    assert set(refused.value.message_dict) == {field}
    setattr(item, field, {"online_url": "http://zwfw.example.gov.cn/", "phone": "0744-8221234、12345"}[field])
    item.full_clean()
