"""社区议事园 without login: the plans out for comment, a resident's comment held until a moderator lets it
show, limits per address, CSRF, HTML shown as text, and 404 for whatever is not published."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from councils.models import AgendaItem, Comment, ProgressNote, ProgressPhoto, Step
from tests.councils.council_fixtures import approved, consulting_item, drafted_item

D = datetime.date
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def plan(council, users):
    return consulting_item(council, users["secretary_a"])


def url_of(item, tail=""):
    return f"/yishi/{item.organization_id}/items/{item.pk}/{tail}"


def text(response):
    return response.content.decode()


def post_comment(client, item, address="10.0.0.1", **data):
    return client.post(url_of(item, "comment/"), {"body": "支持这个方案", **data}, REMOTE_ADDR=address)


def test_anyone_reads_the_community_and_the_plan_without_logging_in(client, plan):
    for url in ("/yishi/", f"/yishi/{plan.organization_id}/", url_of(plan)):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"]
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        page = text(response)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) and not re.search(r"\s(style|on[a-z]+)=", page)
    page = text(client.get(url_of(plan)))
    assert "莫让社区变农庄" in page and "不得施肥" in page and "提出意见" in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert "征求意见 1 项" in text(client.get("/yishi/"))


def test_a_comment_shows_only_after_moderation_and_never_its_phone(client, plan, users):
    response = post_comment(client, plan, name="3号楼居民", phone="139 1234 5670")
    assert response.status_code == 302 and response["Location"] == url_of(plan) + "#comments"
    comment = Comment.objects.get()
    assert (comment.status, comment.phone, comment.name) == ("pending", "13912345670", "3号楼居民")
    page = text(client.get(url_of(plan)))
    assert "已收到您的意见" in page and "支持这个方案" not in page
    comment.moderate("show", users["secretary_a"])
    page = text(client.get(url_of(plan)))
    assert "支持这个方案" in page and "3号楼居民" in page
    assert "13912345670" not in page and "5670" not in page


def test_a_hidden_comment_stays_hidden(client, plan, users):
    post_comment(client, plan)
    Comment.objects.get().moderate("hide", users["secretary_a"], "广告")
    assert "支持这个方案" not in text(client.get(url_of(plan)))
    assert Comment.objects.count() == 1


def test_html_in_a_comment_is_shown_as_text(client, plan, users):
    post_comment(client, plan, body='<script>alert("x")</script><b>好</b>', name="<i>居民</i>")
    Comment.objects.get().moderate("show", users["secretary_a"])
    page = text(client.get(url_of(plan)))
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;好&lt;/b&gt;" in page
    assert "<b>好</b>" not in page and "<i>居民</i>" not in page and "&lt;i&gt;居民&lt;/i&gt;" in page


@pytest.mark.parametrize(
    "data, message",
    [
        ({"body": "   "}, "请填写您的意见"),
        ({"body": "长" * 1001}, "意见最多1000字，现有1001字"),
        ({"body": "请打我电话13812345678"}, "意见中请不要写电话号码或身份证号"),
        ({"phone": "12345"}, "电话号码格式不正确"),
    ],
)
def test_a_bad_comment_is_refused_with_a_message_and_nothing_saved(client, plan, data, message):
    response = post_comment(client, plan, **data)
    assert response.status_code == 200 and message in text(response)
    assert not Comment.objects.exists()


def test_too_many_comments_from_one_address_are_refused(client, plan, settings):
    settings.YISHI_COMMENT_RATE = (3, 600)
    for n in range(3):
        assert post_comment(client, plan, body=f"意见{n}").status_code == 302
    response = post_comment(client, plan, body="第四条")
    assert response.status_code == 429
    assert "同一网络10分钟内最多提交3条意见" in text(response)
    assert Comment.objects.count() == 3 and not Comment.objects.filter(body="第四条").exists()
    assert post_comment(client, plan, address="10.0.0.2", body="另一户").status_code == 302


def test_the_limit_counts_the_proxys_address_only_behind_a_trusted_proxy(client, plan, settings):
    settings.YISHI_COMMENT_RATE = (1, 600)
    settings.TRUST_X_FORWARDED_FOR = True

    def via_proxy(browser):
        return client.post(url_of(plan, "comment/"), {"body": "支持"}, HTTP_X_FORWARDED_FOR=browser)

    assert via_proxy("1.1.1.1").status_code == 302
    assert via_proxy("2.2.2.2").status_code == 302
    assert via_proxy("2.2.2.2").status_code == 429
    settings.TRUST_X_FORWARDED_FOR = False  # a forged header then changes nothing: one address
    cache.clear()
    assert via_proxy("3.3.3.3").status_code == 302
    assert via_proxy("4.4.4.4").status_code == 429


def test_a_comment_needs_the_csrf_token(plan):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(url_of(plan, "comment/"), {"body": "支持"})
    assert response.status_code == 403 and not Comment.objects.exists()
    page = text(strict.get(url_of(plan)))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = strict.post(url_of(plan, "comment/"), {"body": "支持", "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and Comment.objects.count() == 1


def test_comments_close_with_the_consultation(client, plan, users):
    approved(plan, users["secretary_a"])
    page = text(client.get(url_of(plan)))
    assert "征求意见已经结束" in page and 'name="body"' not in page
    assert "同意" in page
    response = post_comment(client, plan, body="晚了")
    assert response.status_code == 302 and not Comment.objects.exists()


def test_comments_close_after_the_last_day(client, plan):
    AgendaItem.objects.filter(pk=plan.pk).update(consult_until=datetime.date.today() - datetime.timedelta(days=1))
    assert 'name="body"' not in text(client.get(url_of(plan)))
    post_comment(client, plan)
    assert not Comment.objects.exists()


def test_unpublished_and_other_communities_items_answer_404(client, plan, council, users, tree):
    drafted = drafted_item(council.community, users["secretary_a"], "楼道堆物清理")
    assert client.get(url_of(drafted)).status_code == 404
    assert client.get(f"/yishi/{tree['b'].pk}/items/{plan.pk}/").status_code == 404
    assert client.post(f"/yishi/{tree['b'].pk}/items/{plan.pk}/comment/", {"body": "x"}).status_code == 404
    assert client.get(f"/yishi/{tree['a1'].pk}/").status_code == 404  # a branch is not a community
    assert client.get("/yishi/999999/").status_code == 404
    plan.set_public(False, users["secretary_a"])
    assert client.get(url_of(plan)).status_code == 404
    assert post_comment(client, plan).status_code == 404
    assert "莫让社区变农庄" not in text(client.get(f"/yishi/{plan.organization_id}/"))
    assert not Comment.objects.exists()


def test_implementation_and_its_photos_are_public_and_nothing_else(client, plan, users, settings, tmp_path):
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path
    user = users["secretary_a"]
    approved(plan, user)
    plan.advance(Step.IMPLEMENT, by=user, on=D(2024, 4, 5), by_station=True, implementers_note="由王芳负责协调")
    note = ProgressNote.objects.create(item=plan, on=D(2024, 4, 12), percent=60, text="已清理大半。")
    photo = ProgressPhoto(note=note, caption="清理后的绿地", content_type="image/png", size=len(PNG))
    photo.file.save("p.png", ContentFile(PNG), save=False)
    photo.save()
    page = text(client.get(url_of(plan)))
    assert "实施中" in page and 'value="60"' in page and "已清理大半" in page and "清理后的绿地" in page
    assert "王芳" not in page and "清除绿地上的蔬菜，恢复绿化" not in page  # internal: who, the draft
    assert client.get(f"/yishi/photos/{photo.pk}/").status_code == 200
    plan.set_public(False, user)
    assert client.get(f"/yishi/photos/{photo.pk}/").status_code == 404
    community = text(client.get(f"/yishi/{plan.organization_id}/"))
    assert "莫让社区变农庄" not in community


def test_a_done_item_shows_its_result(client, plan, users):
    user = users["secretary_a"]
    approved(plan, user)
    plan.advance(Step.IMPLEMENT, by=user, on=D(2024, 4, 5), by_station=True)
    plan.advance(Step.DONE, by=user, on=D(2024, 5, 12), result="内部结果", public_result="绿地已恢复，种上了花。")
    page = text(client.get(url_of(plan)))
    assert "已办结" in page and "绿地已恢复，种上了花。" in page and "内部结果" not in page
    assert "2024年5月12日" in page
    assert "已经办结" in text(client.get(f"/yishi/{plan.organization_id}/"))


def test_the_page_prints_as_a_notice(client, plan):
    page = text(client.get(url_of(plan)))
    assert 'class="notice-kind"' in page and "公　示" in page and 'class="comments screen-only"' in page
    from django.contrib.staticfiles import finders

    css = open(finders.find("css/yishi.css"), encoding="utf-8").read()
    assert "@media print" in css and ".screen-only" in css and ".notice-kind { display: block" in css


def test_the_community_page_costs_the_same_queries_for_one_plan_or_three(client, council, users):
    consulting_item(council, users["secretary_a"], title="第一项")
    url = f"/yishi/{council.community.pk}/"
    with CaptureQueriesContext(connection) as one:
        assert "第一项" in text(client.get(url))
    for title in ("第二项", "第三项"):
        consulting_item(council, users["secretary_a"], title=title)
    with CaptureQueriesContext(connection) as three:
        assert "第三项" in text(client.get(url))
    assert len(three) == len(one)
