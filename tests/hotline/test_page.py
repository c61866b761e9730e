"""The /hotline/ page: the article's figures from the demo months, periods, 同比, zero denominators."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from hotline import demo
from hotline.models import Case, Month
from hotline.stats import Period, default_period, period_figures

from .factories import make_month

D = datetime.date
URL = "/hotline/"


def figure_text(response, figure_id):
    match = re.search(rf'<div id="{figure_id}">(.*?)</div>', response.text, re.S)
    assert match, figure_id
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1)))


def test_demo_months_reproduce_the_article(client, db):
    demo.load({})
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["period"] == Period(D(2021, 1, 1), D(2021, 6, 1))
    calls = figure_text(response, "figure-calls")
    assert "9.2万" in calls and "+17.4%" in calls
    accepted = figure_text(response, "figure-accepted")
    assert "52441" in accepted and "+27.22%" in accepted
    assert "99.9%" in figure_text(response, "figure-completion")
    satisfaction = figure_text(response, "figure-satisfaction")
    assert "93.35%" in satisfaction
    assert "37340 ÷ 40000" in satisfaction  # what the rate divides by, next to it
    assert "四舍五入保留两位小数" in response.text  # the rounding rule in the footnote


def test_seed_demo_is_idempotent_and_marks_demo(db):
    call_command("seed_demo")
    call_command("seed_demo")
    assert Month.objects.count() == 12 and not Month.objects.filter(is_demo=False).exists()
    assert Case.objects.count() == demo.DEMO_CASES and not Case.objects.filter(is_demo=False).exists()


def test_dashboard_shows_the_hotline_headline(client, db):
    demo.load({})
    response = client.get("/")
    assert response.status_code == 200
    section = response.text.split('id="hotline-heading"')[1]
    assert "9.2万" in section and "52441" in section and "93.35%" in section


def test_rates_and_their_change_use_the_shared_rule(db):
    make_month(D(2020, 6, 1), accepted=3, completed=2, callbacks=0, satisfied=0, online_completed=0)
    make_month(D(2021, 6, 1), accepted=3, completed=1, callbacks=8, satisfied=7, online_completed=1)
    figures = period_figures(Period(D(2021, 6, 1), D(2021, 6, 1))).figures
    completion = figures["completion_rate"]
    assert (completion.value, completion.previous) == (Decimal("33.33"), Decimal("66.67"))
    assert completion.change == Decimal("-33.34")  # percentage points between the two rounded rates
    satisfaction = figures["satisfaction_rate"]
    assert satisfaction.value == Decimal("87.50")
    assert satisfaction.change is None and satisfaction.change_reason  # no callbacks a year earlier


def test_period_across_a_year_end(db):
    for month in (D(2019, 11, 1), D(2019, 12, 1), D(2020, 1, 1), D(2020, 2, 1)):
        make_month(month, calls=100)
    for month in (D(2020, 11, 1), D(2020, 12, 1), D(2021, 1, 1), D(2021, 2, 1)):
        make_month(month, calls=150)
    make_month(D(2020, 3, 1), calls=999_999)  # outside both periods
    figures = period_figures(Period(D(2020, 11, 1), D(2021, 2, 1)))
    assert figures.previous_period == Period(D(2019, 11, 1), D(2020, 2, 1))
    calls = figures.figures["calls"]
    assert (calls.value, calls.previous, calls.change) == (600, 400, Decimal("50.00"))


def test_chosen_period_through_the_form(client, db):
    make_month(D(2020, 12, 1), calls=100)
    make_month(D(2021, 1, 1), calls=300)
    response = client.get(URL, {"start": "2020-12", "end": "2021-01"})
    assert response.context["period"] == Period(D(2020, 12, 1), D(2021, 1, 1))
    assert figure_text(response, "figure-calls").startswith(" 来电总量 400") or "400" in figure_text(
        response, "figure-calls"
    )


@pytest.mark.parametrize(
    "query",
    [{"start": "2021-13"}, {"start": "abc", "end": "<script>"}, {"start": "2021-06", "end": "2021-01"}],
)
def test_bad_period_falls_back_to_the_default_with_a_message(client, db, query):
    make_month(D(2021, 6, 1))
    response = client.get(URL, query)
    assert response.status_code == 200
    assert response.context["period"] == default_period(D(2021, 6, 1))
    assert response.context["form"].errors
    assert "<script>" not in response.text


def test_zero_denominators_and_a_missing_year_show_a_dash_with_a_reason(client, db):
    make_month(D(2021, 6, 1), calls=10, accepted=0, completed=0, callbacks=0, satisfied=0, online_completed=0)
    response = client.get(URL)
    completion = figure_text(response, "figure-completion")
    assert "—" in completion and "受理" in completion
    calls = figure_text(response, "figure-calls")
    assert "—" in calls and "2020" in calls


def test_a_partial_previous_year_compares_the_months_both_years_have(db):
    make_month(D(2020, 1, 1), calls=100)
    make_month(D(2021, 1, 1), calls=200)
    make_month(D(2021, 2, 1), calls=200)
    figure = period_figures(Period(D(2021, 1, 1), D(2021, 2, 1))).figures["calls"]
    assert figure.value == 400  # the period's total is every stored month
    assert (figure.previous, figure.change) == (100, Decimal("100.00"))  # January with January
    assert "2020年2月" in str(figure.change_note) and "1 个月" in str(figure.change_note)


def test_importing_the_next_month_keeps_the_public_year_on_year_and_says_why(
    client, db, django_capture_on_commit_callbacks
):
    demo.load({})
    assert "+17.4%" in figure_text(client.get(URL), "figure-calls")
    with django_capture_on_commit_callbacks(execute=True):  # the cached page is renewed on commit
        make_month(D(2021, 7, 1), calls=15000, accepted=9000, completed=8990, callbacks=7000, satisfied=6500)
    response = client.get(URL)
    assert response.context["period"] == Period(D(2021, 1, 1), D(2021, 7, 1))
    calls = figure_text(response, "figure-calls")
    assert "+17.4%" in calls  # January–June with January–June, as before
    assert "2020年7月无数据" in calls and "6 个月" in calls
    for figure_id in ("figure-accepted", "figure-completion", "figure-satisfaction"):
        text = figure_text(response, figure_id)
        assert "同比 —" not in text and "2020年7月无数据" in text, figure_id
    headline = client.get("/").text.split('id="hotline-heading"')[1].split("</section>")[0]
    assert "+17.4%" in headline


def test_a_period_without_figures_says_no_data_not_zero(client, db):
    make_month(D(2021, 6, 1), calls=500)
    response = client.get(URL, {"start": "2021-03", "end": "2021-04"})
    assert response.context["period"] == Period(D(2021, 3, 1), D(2021, 4, 1))
    calls = figure_text(response, "figure-calls")
    assert "无数据" in calls and " 0 " not in calls
    assert "无数据" in figure_text(response, "figure-accepted")
    assert "无数据" in figure_text(response, "figure-completion")
    table = response.text.split('class="data trend-table"')[1].split("</table>")[0]
    assert table.count("无数据") == 2  # March and April, each a row that says so


def test_a_month_missing_inside_a_period_is_a_row_that_says_so(client, db):
    make_month(D(2021, 1, 1), calls=100)
    make_month(D(2021, 3, 1), calls=100)
    response = client.get(URL, {"start": "2021-01", "end": "2021-03"})
    table = response.text.split('class="data trend-table"')[1].split("</table>")[0]
    assert table.count("<tr>") == 4 and table.count("无数据") == 1
    assert "2021-02" in table


def test_empty_portal_shows_no_error(client, db):
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["period"] is None


def test_chart_and_table_carry_the_same_months(client, db):
    demo.load({})
    response = client.get(URL)
    html = response.text
    assert html.count('class="bar-calls"') == 6 and html.count('class="bar-accepted"') == 6
    assert "<script" not in html and "style=" not in html
    table = html.split('class="data trend-table"')[1].split("</table>")[0]
    assert table.count("<tr>") == 7


def _months(years: int):
    start = 2021 - years + 1
    Month.objects.bulk_create(
        [
            Month(month=D(year, m, 1), calls=100, accepted=50, completed=40, callbacks=30, satisfied=20)
            for year in range(start, 2022)
            for m in range(1, 13)
        ]
    )


def _cases(count: int):
    """``count`` completed cases of June 2021 (Q0000000, Q0000001, …; 12 categories, 40 units),
    the rows bulk_create would write, made by the database itself in one statement: building
    100,000 model instances and their parameters took over a minute of the suite."""
    base = datetime.datetime(2021, 6, 1, 9, tzinfo=datetime.UTC)
    template = Case(
        number="",
        received_at=base,
        month=D(2021, 6, 1),
        status="已办结",
        is_completed=True,
        completed_at=base,
        due_at=base,
    )
    made_here = {  # SQL of the sequence number n, the same on SQLite and PostgreSQL (%% is %)
        "number": "'Q' || substr(CAST(10000000 + n AS TEXT), 2)",
        "category": "'类' || CAST(n %% 12 AS TEXT)",
        "handling_unit": "'单位' || CAST(n %% 40 AS TEXT)",
    }
    fields = [field for field in Case._meta.concrete_fields if not field.primary_key]
    columns, values, params = [], [], []
    for field in fields:
        columns.append(connection.ops.quote_name(field.column))
        if field.name in made_here:
            values.append(made_here[field.name])
        else:
            values.append("%s")
            params.append(field.get_db_prep_save(field.pre_save(template, add=True), connection))
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < %s) "
            f"INSERT INTO {connection.ops.quote_name(Case._meta.db_table)} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM seq",
            [count - 1, *params],
        )
    assert Case.objects.count() == count


@pytest.mark.parametrize("years, cases", [(1, 0), (10, 0), (1, 1000), (10, 100_000)])
@pytest.mark.parametrize("months", ["whole years", "years and months either side"])
def test_same_number_of_queries_whatever_the_data(
    client, db, django_assert_num_queries, years, cases, months
):
    _months(years)
    if cases:
        _cases(cases)
    # Whole past years are read from the year tallies, other months from the month tallies.
    start, end = (f"{2021 - years + 1}-01", "2021-12") if months == "whole years" else ("2012-03", "2021-06")
    with django_assert_num_queries(5):
        response = client.get(URL, {"start": start, "end": end})
    assert response.status_code == 200


def test_english_page(client, db, settings):
    demo.load({})
    response = client.get("/en" + URL)  # English lives under /en/
    assert response.status_code == 200
    assert "2021-01 – 2021-06" in response.text and "52,441" in response.text


def _inputs(html):
    return {
        re.search(r'name="(\w+)"', tag).group(1): dict(re.findall(r'(\w+)="([^"]*)"', tag))
        for tag in re.findall(r"<input[^>]*>", html)
    }


def test_empty_month_fields_show_the_months_the_page_uses(client, db):
    """January–June is shown: the fields say 2021-01 and 2021-06, not 2021-01 twice."""
    demo.load({})
    inputs = _inputs(client.get(URL).text)
    assert inputs["start"]["placeholder"] == "2021-01"
    assert inputs["end"]["placeholder"] == "2021-06"
    inputs = _inputs(client.get(URL, {"start": "2020-03"}).text)
    assert inputs["start"].get("value") == "2020-03" and inputs["end"]["placeholder"] == "2021-06"


def _labels(html):
    svg = html.split('<svg class="trend-chart"')[1].split("</svg>")[0]
    return re.findall(r'<text class="axis" x="[^"]*" y="[^"]*" text-anchor="middle">([^<]*)</text>', svg)


def test_chart_month_labels_are_in_the_page_language(client, db):
    demo.load({})
    assert _labels(client.get(URL).text) == ["1月", "2月", "3月", "4月", "5月", "6月"]
    assert _labels(client.get("/en" + URL).text) == ["Jan", "Feb", "Mar", "Apr", "May", "Jun"]


def test_a_chart_over_two_years_names_the_year_and_keeps_its_labels_apart(client, db):
    from hotline import chart

    demo.load({})
    labels = _labels(client.get(URL, {"start": "2020-01", "end": "2021-06"}).text)
    assert labels[0] == "20/1" and "21/1" in labels  # “1月” twice would not say which January
    series = [{"month": D(2020 + m // 12, m % 12 + 1, 1), "calls": 100, "accepted": 50} for m in range(24)]
    drawn = chart.trend(series)["labels"]
    for left, right in zip(drawn, drawn[1:], strict=False):
        # Centre to centre, at least half of each label and a gap, at the largest (长辈版) type.
        room = (chart._text_width(left["text"]) + chart._text_width(right["text"])) / 2 + chart.LABEL_GAP
        assert right["x"] - left["x"] >= room, (left, right)
