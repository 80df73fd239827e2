"""What every response of the portal carries: a Content-Security-Policy the pages keep to, no caching
of anything personal, a request id."""

import re

import pytest

from members.models import ImportBatch

PAGES = [
    "/",
    "/dashboard/",
    "/members/",
    "/members/new/",
    "/members/changes/",
    "/members/import/",
    "/admin/",
    "/admin/members/member/",
    "/admin/organizations/organization/",
    "/accounts/password/change/",
]


def csp_of(response):
    return dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))


@pytest.fixture
def street_client(client, users, members):
    client.force_login(users["street"])
    return client


def test_pages_keep_to_a_policy_without_inline_script_or_style(street_client, members, tree):
    pages = [*PAGES, f"/members/{members['a'].pk}/", f"/members/{members['a'].pk}/edit/"]
    pages += [f"/organizations/{tree['street'].pk}/", f"/admin/members/member/{members['a'].pk}/change/"]
    for url in pages:
        response = street_client.get(url)
        assert response.status_code == 200, url
        csp = csp_of(response)
        assert csp["script-src"] == "'self'", url
        assert "unsafe-inline" not in response["Content-Security-Policy"], url
        page = response.content.decode()
        nonce = re.search(r"'nonce-([^']+)'", csp["style-src"])
        # Every <script> loads a file; no event handler attribute; no style attribute; a <style>
        # element only with this response's nonce.
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), url
        assert not re.search(r"\son[a-z]+=", page), url
        assert not re.search(r"\sstyle=", page), url
        for style in re.findall(r"<style[^>]*>", page):
            assert nonce and f'nonce="{nonce.group(1)}"' in style, (url, style)


def test_the_dashboards_charts_are_styled_through_the_nonce(street_client):
    response = street_client.get("/dashboard/")
    nonce = re.search(r"'nonce-([^']+)'", csp_of(response)["style-src"]).group(1)
    page = response.content.decode()
    assert page.count(f'<style nonce="{nonce}"') == 3  # the trend (wide, and the last year for a phone) and ages
    assert "window.pygal" not in page


def test_the_login_page_and_errors_carry_the_policy_too(client, db):
    assert "script-src 'self'" in client.get("/accounts/login/")["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in client.get("/no-such-page/")["Content-Security-Policy"]


def test_nothing_personal_may_be_stored_by_a_browser_or_proxy(street_client, members, tree, users):
    batch = ImportBatch.objects.create(
        organization=tree["a"], uploaded_by=users["street"], file_name="a.xlsx", file_data=b"x"
    )
    urls = [
        "/",
        f"/members/{members['a'].pk}/",
        f"/members/{members['a'].pk}/print/",
        "/members/export.xlsx",
        f"/members/roster.xlsx?org={tree['a'].pk}",
        f"/members/import/{batch.pk}/",
        "/dashboard/export.xlsx",
        f"/admin/members/member/{members['a'].pk}/change/",
    ]
    for url in urls:
        response = street_client.get(url)
        assert response.status_code == 200, url
        cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"no-store", "private"} <= cache_control, url
    assert "no-store" in street_client.post(f"/members/{members['a'].pk}/reveal-id/")["Cache-Control"]


def test_static_files_stay_cacheable(client, db):
    response = client.get("/static/css/portal.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_a_request_id_is_made_or_passed_through(client, db):
    made = client.get("/accounts/login/")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert client.get("/accounts/login/")["X-Request-ID"] != made
    passed = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    assert client.get("/accounts/login/", headers={"X-Request-ID": passed})["X-Request-ID"] == passed
    forged = client.get("/accounts/login/", headers={"X-Request-ID": "x\r\nSet-Cookie: a=b"})["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", forged)
