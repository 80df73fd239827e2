"""A member's page shows the services they gave and the care visits paid to them: services plugs its
sections into the members app's page (members/hooks.py); the members app imports nothing of it."""

import datetime

from members import hooks
from services.models import CareVisit
from tests.conftest import new_member
from tests.services.inservice_data import D, activity, correct, register, serve

TODAY = datetime.date.today()


def test_the_member_page_shows_services_newest_first_with_this_years_hours(client, users, tree, members):
    member = members["a"]
    serve(member, tree["a1"], D(2024, 1, 6), 120, activity(tree["a1"], "清理楼道", D(2024, 1, 6)))
    wrong = serve(member, tree["a"], D(2024, 5, 1), 180, activity(tree["a"], "义诊", D(2024, 5, 1)))
    correct(wrong, 0, D(2024, 5, 3))
    serve(member, tree["a"], TODAY, 90, note="帮助独居老人买药")
    register(member, tree["a"], D(2023, 3, 1))
    client.force_login(users["viewer_a"])
    page = client.get(f"/members/{member.pk}/").content.decode()
    assert "服务记录" in page and f"{TODAY.year}年服务 <strong>1</strong> 次，共 <strong>1.5</strong> 小时" in page
    assert page.index("帮助独居老人买药") < page.index("义诊") < page.index("清理楼道")  # newest first
    assert "已撤销" in page and "在职党员报到" in page


def test_the_page_lists_at_most_twenty_services(client, users, tree, members):
    for day in range(1, 26):
        serve(members["a"], tree["a"], D(2024, 1, day), 60, note=f"第{day}次")
    client.force_login(users["secretary_a"])
    page = client.get(f"/members/{members['a'].pk}/").content.decode()
    assert "第25次" in page and "第6次" in page and "第5次<" not in page and "以下为最近 20 条" in page


def test_services_in_another_community_stay_out_of_sight(client, users, tree, members):
    serve(members["a"], tree["b"], D(2024, 7, 1), 240, note="在乙社区服务")
    client.force_login(users["secretary_a"])
    assert "在乙社区服务" not in client.get(f"/members/{members['a'].pk}/").content.decode()
    client.force_login(users["street"])
    assert "在乙社区服务" in client.get(f"/members/{members['a'].pk}/").content.decode()


def test_visits_show_and_sensitive_notes_only_to_the_secretary_and_street_staff(client, users, tree, members):
    CareVisit.objects.create(
        organization=tree["a"],
        member=members["a"],
        reason=CareVisit.Reason.ILL,
        visited_on=D(2024, 3, 5),
        goods="牛奶一箱",
        amount=500,
        notes="住院治疗，家属陪护",
    )
    CareVisit.objects.create(
        organization=tree["a"],
        member=members["a"],
        reason=CareVisit.Reason.DISCONTENTED,
        visited_on=D(2024, 6, 5),
        notes="对拆迁补偿有意见",
        sensitive=True,
    )
    shown = {}
    for role in ("street", "secretary_a", "viewer_a"):
        client.force_login(users[role])
        page = client.get(f"/members/{members['a'].pk}/").content.decode()
        assert "走访慰问" in page and "生病住院" in page and "牛奶一箱" in page and "住院治疗，家属陪护" in page
        shown[role] = "对拆迁补偿有意见" in page
    assert shown == {"street": True, "secretary_a": True, "viewer_a": False}
    assert "仅本社区书记和街道工作人员可见" in page


def test_the_member_page_costs_the_same_queries_with_many_services_and_visits(
    client, users, tree, django_assert_max_num_queries
):
    member = new_member(tree["a1g1"], "王芳")
    client.force_login(users["secretary_a"])
    serve(member, tree["a"], D(2024, 1, 1), 60)
    CareVisit.objects.create(organization=tree["a"], member=member, reason="festival", visited_on=D(2024, 1, 2))
    with django_assert_max_num_queries(30) as few:
        client.get(f"/members/{member.pk}/")
    for day in range(2, 30):
        first = serve(member, tree["a"], D(2024, 2, day), 60)
        correct(first, 30, D(2024, 3, 1))
        CareVisit.objects.create(organization=tree["a"], member=member, reason="festival", visited_on=D(2024, 2, day))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"/members/{member.pk}/")


def test_services_plugs_its_sections_in():
    """The members app imports none of it: tests/test_import_order.py walks every module."""
    keys = [section.key for section in hooks.member_sections]
    assert keys.index("services.services") < keys.index("services.visits")


def test_a_section_returning_none_is_left_out(client, users, members):
    section = hooks.MemberSection("test.nothing", "missing.html", lambda request, member: None)
    with hooks.member_sections.registered(section):
        client.force_login(users["secretary_a"])
        assert client.get(f"/members/{members['a'].pk}/").status_code == 200
