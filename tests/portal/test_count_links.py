"""Every count on every home page opens a list of exactly that many members, for each demo role."""

import datetime
import re

import pytest

from members.changes import apply_change
from members.models import Category, Member, MemberChange
from portal import demo
from portal.models import User

COUNT_LINK = re.compile(r'<a href="(/members/\?[^"]+)">[^<]*：<strong>(\d+)</strong> 名</a>')
LIST_COUNT = re.compile(r"共 <strong>(\d+)</strong> 名党员")


@pytest.fixture
def demo_street(db):
    demo.seed(seed=11, communities=3, per_community=60)
    # At least one change this month, whatever day the tests run on.
    member = Member.objects.current().filter(category=Category.RETIRED).order_by("id").first()
    change = MemberChange(member=member, kind=MemberChange.Kind.CATEGORY_CHANGE, category=Category.OTHER)
    change.effective_date, change.organization_id = datetime.date.today(), member.organization_id
    apply_change(change)


@pytest.mark.parametrize("username", ["jiedao", "beimen", "xishang", "zhibu", "chakan", "admin"])
def test_every_count_link_opens_a_list_of_that_length(client, demo_street, username):
    client.force_login(User.objects.get(username=username))
    home = client.get("/").content.decode()
    links = COUNT_LINK.findall(home.replace("&amp;", "&"))
    assert links, "the home page shows no count links"
    for url, count in links:
        page = client.get(url).content.decode()
        assert 'class="error"' not in page, url
        assert LIST_COUNT.search(page).group(1) == count, url


def test_a_bad_filter_is_named_and_the_others_still_apply(client, demo_street):
    client.force_login(User.objects.get(username="beimen"))
    everyone = int(LIST_COUNT.search(client.get("/members/").content.decode()).group(1))
    retired = int(LIST_COUNT.search(client.get("/members/?category=retired").content.decode()).group(1))
    street = User.objects.get(username="jiedao").roles.get().organization
    page = client.get(f"/members/?category=retired&org={street.pk}&status=nonsense").content.decode()
    assert "该组织不在您的范围内，已忽略此条件" in page and "“nonsense”不是可选的值" in page
    assert int(LIST_COUNT.search(page).group(1)) == retired < everyone


@pytest.mark.parametrize("username", ["jiedao", "beimen", "zhibu", "chakan"])
def test_the_months_changes_link_to_a_list_of_all_of_them(client, demo_street, username):
    client.force_login(User.objects.get(username=username))
    home = client.get("/").content.decode().replace("&amp;", "&")
    found = re.findall(r"本月党员变动（(\d+)条）</h3>\s*<p[^>]*>.*?<a href=\"([^\"]+)\" class=\"all-changes\"", home)
    assert found or username == "zhibu"  # a branch may have had none
    for count, url in found:
        page = client.get(url).content.decode()
        assert re.search(r"共 <strong>(\d+)</strong> 条变动", page).group(1) == count
        assert page.count("<tr><td>") == min(int(count), 50)


def test_the_change_list_stays_in_scope_and_answers_bad_dates(client, demo_street):
    from organizations.models import Organization

    client.force_login(User.objects.get(username="zhibu"))
    other = Organization.objects.filter(kind="community").order_by("path").last()
    assert client.get(f"/members/changes/?org={other.pk}").status_code == 404
    page = client.get("/members/changes/?start=0001-01-01&end=abc")
    assert page.status_code == 200 and "日期“0001-01-01”无效" in page.content.decode()


def test_the_home_counts_are_cached_per_data_change_and_never_stale(client, demo_street):
    client.force_login(User.objects.get(username="jiedao"))
    counts = dict(COUNT_LINK.findall(client.get("/").content.decode().replace("&amp;", "&")))
    lost = next((count for url, count in counts.items() if "lost_contact" in url), "0")
    member = Member.objects.current().filter(lost_contact=False).order_by("id").first()
    member.lost_contact = True
    member.save()  # any change to a record moves the data version
    page = client.get("/").content.decode().replace("&amp;", "&")
    now = next(count for url, count in COUNT_LINK.findall(page) if "lost_contact" in url)
    assert int(now) == int(lost) + 1
