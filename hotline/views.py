from django.shortcuts import render

from units.public_pages import public_page
from units.rates import ROUNDING_RULE

from . import chart, stats
from .forms import PeriodForm
from .models import Case, Month


def headline():
    """The latest year-to-date figures, for the dashboard (2 queries; None when no month is stored)."""
    period = stats.default_period(stats.latest_month())
    return stats.period_figures(period) if period else None


@public_page(Month, Case, params=tuple(PeriodForm.base_fields))
def hotline(request):
    default = stats.default_period(stats.latest_month())
    form = PeriodForm(request.GET or None)
    period = form.period(default)
    context = {
        "form": form,
        "period": period,
        "rounding_rule": ROUNDING_RULE,
        "min_cases": stats.MIN_CASES_TO_RANK,
    }
    if period is not None:
        series = stats.monthly_series(period)
        context.update(
            figures=stats.period_figures(period),
            series=series,
            table=stats.monthly_table(period, series),
            chart=chart.trend(series),
            cases=stats.case_figures_for(period),
        )
    return render(request, "hotline/index.html", context)
