"""长辈版: a plain-link switch, remembered by a cookie that only the small /elder.css reads."""

import pytest

pytestmark = pytest.mark.django_db


def test_every_page_links_the_switch_and_stays_the_same_for_everyone(client):
    standard = client.get("/projects/")
    assert 'href="/elder/?on=1&amp;next=/projects/"' in standard.text
    assert 'href="/elder.css"' in standard.text
    client.get("/elder/?on=1&next=/projects/")
    elder = client.get("/projects/")
    assert elder.content == standard.content  # the cached page does not depend on the choice
    assert elder["Cache-Control"] == standard["Cache-Control"] and "Vary" not in elder


def test_switching_on_and_off(client):
    assert "elder.css" not in client.get("/elder.css").text.replace("/* standard mode */", "")
    on = client.get("/elder/", {"on": "1", "next": "/en/reforms/?q=a"})
    assert on.status_code == 302 and on["Location"] == "/en/reforms/?q=a"
    sheet = client.get("/elder.css")
    assert '@import url("/static/css/elder.css")' in sheet.text
    assert sheet["Cache-Control"] == "private, no-cache" and "Cookie" in sheet["Vary"]
    assert client.get("/elder.css", HTTP_IF_NONE_MATCH=sheet["ETag"]).status_code == 304
    client.get("/elder/", {"on": "0", "next": "/"})
    assert "@import" not in client.get("/elder.css").text


def test_the_switch_never_leaves_the_site(client):
    for target in ["https://evil.example/", "//evil.example/", "javascript:alert(1)"]:
        response = client.get("/elder/", {"on": "1", "next": target})
        assert response["Location"] == "/"
