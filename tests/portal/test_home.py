import datetime

from members.models import MemberChange, Status
from tests.conftest import change, new_member

D = datetime.date
TODAY = D.today()


def test_the_secretarys_home_lists_what_needs_attention(client, users, tree):
    overdue = new_member(
        tree["a1g1"],
        "逾期",
        D(1990, 1, 1),
        kind="admission",
        status=Status.PROBATIONARY,
        on=TODAY - datetime.timedelta(days=400),
        joined=TODAY - datetime.timedelta(days=400),
    )
    new_member(
        tree["a1g1"],
        "将满",
        D(1991, 1, 1),
        kind="admission",
        status=Status.PROBATIONARY,
        on=TODAY - datetime.timedelta(days=350),
        joined=TODAY - datetime.timedelta(days=350),
    )
    mobile = new_member(tree["a1g1"], "流出", D(1970, 1, 1))
    change(
        mobile, MemberChange.Kind.MOBILE_OUT, TODAY - datetime.timedelta(days=200), place="深圳", mobile_card_number="1"
    )
    new_member(tree["a1"], "未编组", D(1960, 1, 1))
    client.force_login(users["secretary_a"])
    page = client.get("/").content.decode()
    assert "预备期已满、尚未转正：<strong>1</strong>" in page
    assert "30天内预备期满：<strong>1</strong>" in page
    assert "流动党员超过6个月未联系：<strong>1</strong>" in page
    assert "未编入党小组：<strong>1</strong>" in page
    assert "甲第二支部" in page and "正式党员仅0名" in page
    listing = client.get("/members/", {"attention": "probation_overdue"}).content.decode()
    assert overdue.name in listing and "将满" not in listing


def test_an_extended_probation_is_not_overdue(client, users, tree):
    member = new_member(
        tree["a1g1"],
        "延长",
        D(1990, 1, 1),
        kind="admission",
        status=Status.PROBATIONARY,
        on=TODAY - datetime.timedelta(days=400),
        joined=TODAY - datetime.timedelta(days=400),
    )
    change(member, MemberChange.Kind.PROBATION_EXTENDED, TODAY - datetime.timedelta(days=30), note="延长一年")
    client.force_login(users["secretary_a"])
    assert member.name not in client.get("/members/", {"attention": "probation_overdue"}).content.decode()


def test_this_months_changes_are_on_the_home_page(client, users, tree):
    member = new_member(tree["a1g1"], "本月", on=TODAY.replace(day=1))
    client.force_login(users["secretary_a"])
    page = client.get("/").content.decode()
    assert "本月党员变动（1条）" in page and member.name in page


def test_the_street_homes_cached_figures_and_weak_branches_move_at_once_with_a_change(client, users, tree):
    client.force_login(users["street"])
    new_member(tree["a1g1"], "甲一", D(1950, 1, 1))
    page = client.get("/").content.decode()
    assert "在册党员 <strong>1</strong> 名" in page
    assert "甲第一支部</a>：正式党员仅1名" in page and "甲第二支部</a>：正式党员仅0名" in page
    for i in range(3):
        new_member(tree["a2"], f"甲二{i}", D(1960, 1, i + 1))
    page = client.get("/").content.decode()
    assert "在册党员 <strong>4</strong> 名" in page
    assert "甲第二支部</a>：正式党员仅" not in page  # three full members now: no longer weak
    assert "甲第一支部</a>：正式党员仅1名" in page
    assert f'<a href="/members/?org={tree["a1"].pk}">甲第一支部</a>' in page  # the list of its members
