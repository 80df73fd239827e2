"""Every count on every home page opens a list of exactly that many members, for each demo role."""

import re

import pytest

from portal import demo
from portal.models import User

COUNT_LINK = re.compile(r'<a href="(/members/\?[^"]+)">[^<]*：<strong>(\d+)</strong> 名</a>')
LIST_COUNT = re.compile(r"共 <strong>(\d+)</strong> 名党员")


@pytest.fixture
def demo_street(db):
    demo.seed(seed=11, communities=3, per_community=60)


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
