"""The consultation that chose a round (座谈会, 征求意见函, 走访调研), on the round's public pages."""

import datetime

import pytest

from suggestions.models import Consultation

pytestmark = pytest.mark.django_db


def test_the_rounds_pages_show_how_it_was_chosen(
    client, make_project, round_, django_capture_on_commit_callbacks
):
    project = make_project(title="修建一座风雨桥")
    assert "征求意见" not in client.get(f"/projects/?round={round_.pk}").text  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        Consultation.objects.create(
            round=round_,
            kind=Consultation.Kind.LETTER,
            date=datetime.date(2021, 4, 20),
            place="<i>东关</i>社区",
            people_reached=320,
            suggestions_collected=57,
        )
    for url in [f"/projects/?round={round_.pk}", project.get_absolute_url()]:
        page = client.get(url).text
        assert "征求意见函" in page and "2021年4月20日" in page, url
        assert "320" in page and "57" in page, url
        assert "&lt;i&gt;东关&lt;/i&gt;社区" in page, url
    assert "征求意见函" not in client.get("/projects/").text  # only on the round's own list
