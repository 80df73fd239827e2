"""Error pages in Chinese, in the site's layout, with DEBUG off: what happened, what to do, a way home."""

import pytest
from django.test import Client, override_settings
from django.urls import path

from members.models import Member
from tests.conftest import PASSWORD


def boom(request):
    raise RuntimeError("SECRET-STACK-DETAIL settings.SECRET_KEY")


urlpatterns = [path("boom/", boom)]
handler500 = "portal.views.server_error"


@pytest.fixture
def debug_off(settings):
    settings.DEBUG = False
    return settings


def assert_friendly(response, status, words):
    page = response.content.decode()
    assert response.status_code == status
    assert words in page and "回到首页" in page and 'lang="zh-Hans"' in page
    assert "Traceback" not in page and "SECRET" not in page and "Forbidden" not in page


def test_404_for_an_unknown_page_and_an_object_outside_scope(client, users, members, debug_off):
    client.force_login(users["secretary_a"])
    assert_friendly(client.get("/no-such-page/"), 404, "找不到页面")
    response = client.get(f"/members/{members['b'].pk}/")
    assert_friendly(response, 404, "不在您的管理范围内")
    assert "退出" in response.content.decode()  # the site's layout for a logged-in user


def test_403_for_a_read_only_user_trying_to_write(client, users, members, debug_off):
    client.force_login(users["viewer_a"])
    assert_friendly(client.get(f"/members/{members['a'].pk}/edit/"), 403, "没有权限")


def test_400_for_a_disallowed_host(client, debug_off):
    assert_friendly(client.get("/", HTTP_HOST="evil.example.com"), 400, "请求有误")


def test_csrf_failure_says_the_page_expired_and_saves_nothing(users, members, debug_off):
    client = Client(enforce_csrf_checks=True)
    client.login(username="sec_a", password=PASSWORD)
    before = Member.objects.get(pk=members["a"].pk).version
    response = client.post(f"/members/{members['a'].pk}/edit/", {"name": "改名"})
    assert_friendly(response, 403, "页面已过期")
    assert Member.objects.get(pk=members["a"].pk).version == before


@override_settings(ROOT_URLCONF=__name__)
def test_500_shows_no_stack_and_needs_no_database(debug_off):
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert_friendly(response, 500, "系统出错了")
