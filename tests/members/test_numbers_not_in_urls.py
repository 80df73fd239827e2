"""ID and phone numbers never travel in a URL (browser history, bookmarks, Referer, proxies' access
logs): the member search is posted and the URL carries a key to the term kept in the session; the ID
check and the new-member form post what was typed."""

import re
from io import BytesIO
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from openpyxl import load_workbook

from members.models import Member
from tests.conftest import PASSWORD, new_member


@pytest.fixture
def secretary(client, users):
    client.force_login(users["secretary_a"])
    return client


def digits_in(url):
    return re.findall(r"\d{4,}", url)


def test_a_search_by_id_number_is_posted_and_lands_on_a_url_without_it(secretary, members):
    number = members["a"].id_number
    response = secretary.post("/members/", {"q": number, "standing": "all", "sort": ""})
    assert response.status_code == 302
    location = response["Location"]
    assert number not in location and number[-6:] not in location and digits_in(location) == []
    assert set(parse_qs(urlsplit(location).query)) == {"s", "standing"}
    page = secretary.get(location).content.decode()
    assert members["a"].name in page and "共 <strong>1</strong> 名党员" in page
    # The page's own links (export, pages) carry the key, never the number.
    for link in re.findall(r'href="([^"]*)"', page):
        assert number not in link and "q=" not in link, link
    assert re.search(r'href="/members/export\.xlsx\?[^"]*s=', page)


def test_the_same_term_gets_the_same_key_and_the_export_finds_it(secretary, members, tree):
    other = new_member(tree["a1g2"], "王芳")
    Member.objects.filter(pk=other.pk).update(phone="13900001111")
    phone = members["a"].phone
    first = secretary.post("/members/", {"q": phone})["Location"]
    again = secretary.post("/members/", {"q": phone})["Location"]
    assert first == again and phone not in first
    key = parse_qs(urlsplit(first).query)["s"][0]
    export = secretary.get("/members/export.xlsx", {"s": key})
    names = [row[0] for row in load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True)]
    assert "张卫华" in names and "王芳" not in names


def test_a_key_from_another_session_finds_nothing_and_exports_nothing(secretary, users, members):
    location = secretary.post("/members/", {"q": members["a"].id_number})["Location"]
    other = Client()
    other.login(username="sec_a", password=PASSWORD)  # the same person, in another browser
    page = other.get(location).content.decode()
    assert "搜索条件已失效" in page
    assert other.get(location.replace("/members/", "/members/export.xlsx")).status_code == 400


def test_an_old_link_with_the_term_in_it_is_moved_out_of_the_url(secretary, members):
    response = secretary.get("/members/", {"q": members["a"].id_number, "standing": "all"})
    assert response.status_code == 302 and members["a"].id_number not in response["Location"]
    assert members["a"].name in secretary.get(response["Location"]).content.decode()


def test_search_as_you_type_gets_the_results_and_a_url_to_show_without_the_term(secretary, members):
    number = members["a"].id_number
    response = secretary.post("/members/", {"q": number}, headers={"HX-Request": "true", "HX-Target": "results"})
    assert response.status_code == 200 and members["a"].name in response.content.decode()
    assert "<html" not in response.content.decode()  # only the results
    pushed = response["HX-Push-Url"]
    assert pushed.startswith("/members/?s=") and digits_in(pushed) == []
    assert members["a"].name in secretary.get(pushed).content.decode()


def test_the_list_page_posts_its_search(secretary, members):
    page = secretary.get("/members/").content.decode()
    form = re.search(r'<form method="(\w+)"[^>]*class="filters"[^>]*>', page)
    assert form.group(1) == "post" and 'hx-post="/members/"' in form.group(0)


def test_the_id_check_is_posted(secretary, members):
    assert secretary.get("/members/check-id/", {"id_number": members["a"].id_number}).status_code == 405
    html = secretary.post("/members/check-id/", {"id_number": members["a"].id_number}).content.decode()
    assert "已登记在册" in html
    page = secretary.get("/members/new/").content.decode()
    assert 'hx-post="/members/check-id/"' in page and 'hx-get="/members/' not in page


def test_choosing_another_arrival_posts_what_was_typed_and_saves_nothing(secretary, members, tree):
    number = "32010219580302005X"
    before = Member.objects.count()
    response = secretary.post(
        "/members/new/",
        {"refresh": "1", "arrival": "transfer_in", "name": "某某", "id_number": number, "phone": "13912345678"},
    )
    page = response.content.decode()
    assert response.status_code == 200 and Member.objects.count() == before
    assert f'value="{number}"' in page and 'value="13912345678"' in page
    assert "转出单位" in page  # the transfer-in form's own fields
    assert 'class="errorlist"' not in page  # a form to go on filling, not one refused
