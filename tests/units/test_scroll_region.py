"""Wide tables on public pages scroll inside a box the keyboard reaches ({% scroll_region %})."""

import re

from django.conf import settings
from django.template import Context, Template


def test_the_region_takes_the_focus_and_is_named():
    html = Template(
        "{% load portal %}{% scroll_region label %}<table><tr><td>1</td></tr></table>{% endscroll_region %}"
    )
    rendered = html.render(Context({"label": "月度数据 <b>"}))
    assert rendered == (
        '<div class="table-scroll" tabindex="0" role="region" aria-label="月度数据 &lt;b&gt;">'
        "<table><tr><td>1</td></tr></table></div>"
    )


def test_every_data_table_of_the_public_templates_goes_through_the_tag():
    """A hand-written scrolling box missed the focus (axe: scrollable-region-focusable)."""
    for template in (settings.BASE_DIR / "templates").rglob("*.html"):
        if "admin" in template.parts:
            continue  # Django's admin has its own tables
        text = template.read_text(encoding="utf-8")
        assert 'class="table-scroll"' not in text, template
        tables = len(re.findall(r'<table class="data', text))
        assert text.count("{% scroll_region") == tables, template
