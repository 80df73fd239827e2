"""Registered in-service members below the target in force, or with no service in the year: the list
(any year) and the home page's attention count, which shows from the fourth quarter on only and
costs the same few queries however many members there are."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from services import inservice
from services.inservice import ATTENTION_KEY, count_below_target
from tests.conftest import new_member
from tests.services.inservice_data import D, hand_worked_year, register, serve, target

TODAY = datetime.date.today()


def counts(tree, day):
    found = count_below_target([tree["street"], tree["a"], tree["b"]], day)
    return (
        found[tree["street"].pk][ATTENTION_KEY],
        found[tree["a"].pk][ATTENTION_KEY],
        found[tree["b"].pk][ATTENTION_KEY],
    )


def year_2024(tree, members):
    """张卫华 in A: 3.5 h in 2024 (below 8 h); 李秀英 in B: 10 h (met); 王芳 in A: nothing; 赵军 ended
    in June; 钱明 registered in December, after the day looked at."""
    target(tree["street"], 2024, hours=8)
    hand_worked_year(tree, members["a"])
    register(members["a"], tree["a"], D(2023, 3, 1))
    register(members["b"], tree["b"], D(2023, 3, 1))
    for month in (3, 6, 9):
        serve(members["b"], tree["b"], D(2024, month, 2), 200)
    register(new_member(tree["a1g2"], "王芳"), tree["a"], D(2024, 2, 1))
    register(new_member(tree["a2"], "赵军"), tree["a"], D(2023, 1, 1), ended_on=D(2024, 6, 30), end_reason="调动")
    register(new_member(tree["a2"], "钱明"), tree["a"], D(2024, 12, 1))


def test_the_count_shows_from_the_first_of_october_only(tree, members):
    year_2024(tree, members)
    assert counts(tree, D(2024, 9, 30)) == (0, 0, 0)
    assert counts(tree, D(2024, 10, 1)) == (2, 2, 0)  # 张卫华 below target, 王芳 without service
    assert counts(tree, D(2024, 12, 31)) == (3, 3, 0)  # 钱明 registered, nothing served yet


def test_without_a_target_only_members_without_service_count(tree, members):
    year_2024(tree, members)
    with_target = {s.registration.member.name for s in inservice.below_target(_all(), 2024, D(2024, 10, 1))}
    assert with_target == {"张卫华", "王芳"}
    from services.models import ServiceTarget

    ServiceTarget.objects.all().delete()
    without = {s.registration.member.name for s in inservice.below_target(_all(), 2024, D(2024, 10, 1))}
    assert without == {"王芳"}


def test_an_activities_target_counts_services_not_entries(tree, members):
    """张卫华's 2024: four entries, but the reversed one is no service: 2 services (and 3.5 h)."""
    year_2024(tree, members)
    from services.models import ServiceTarget

    ServiceTarget.objects.update(hours_target=None, activities_target=3)
    below = {s.registration.member.name: s for s in inservice.below_target(_all(), 2024, D(2024, 12, 31))}
    assert below["张卫华"].times == 2 and below["张卫华"].below_activities and not below["张卫华"].below_hours
    ServiceTarget.objects.update(activities_target=2)
    below = {s.registration.member.name for s in inservice.below_target(_all(), 2024, D(2024, 12, 31))}
    assert "张卫华" not in below and "李秀英" not in below


def _all():
    from services.models import InServiceRegistration

    return InServiceRegistration.objects.all()


def test_counting_costs_the_same_queries_for_many_members(tree, members):
    year_2024(tree, members)
    with CaptureQueriesContext(connection) as few:
        counts(tree, D(2024, 10, 1))
    for index in range(12):
        member = new_member(tree["a1g1"], f"甲{index}")
        register(member, tree["a"], D(2024, 1, 1))
        serve(member, tree["a"], D(2024, 5, index + 1), 30 * index + 30)
    with CaptureQueriesContext(connection) as many:
        assert counts(tree, D(2024, 10, 1)) == (14, 14, 0)
    assert len(many.captured_queries) == len(few.captured_queries) <= 5


def test_the_list_of_any_year_names_exactly_those_counted(client, users, tree, members):
    year_2024(tree, members)
    client.force_login(users["secretary_a"])
    page = client.get("/services/in-service/below-target/", {"year": 2024})
    names = [standing.registration.member.name for standing in page.context["page"].object_list]
    assert sorted(names) == sorted(["张卫华", "王芳", "钱明"])  # the year's end: 钱明 registered
    text = page.content.decode()
    assert "未达目标（时长）" in text and "本年度尚无服务记录" in text and "李秀英" not in text
    page = client.get("/services/in-service/below-target/", {"year": 2023})
    assert [s.registration.member.name for s in page.context["page"].object_list] == ["赵军"]  # no 2023 target
    client.force_login(users["secretary_b"])
    assert client.get("/services/in-service/below-target/", {"org": tree["a"].pk}).status_code == 404
    assert client.get("/services/in-service/below-target/", {"year": 2024}).context["page"].paginator.count == 0


def test_the_home_page_shows_the_count_and_opens_the_list(client, users, tree, members):
    """This year's count on the home page, as the counter gives it today (zero before October)."""
    target(tree["street"], TODAY.year, hours=8)
    register(members["a"], tree["a"], TODAY.replace(month=1, day=1))
    client.force_login(users["secretary_a"])
    page = client.get("/").content.decode().replace("&amp;", "&")
    expected = count_below_target([tree["a"]], TODAY)[tree["a"].pk][ATTENTION_KEY]
    assert expected == (1 if inservice.attention_shown_on(TODAY) else 0)
    if expected:
        url = f"/services/in-service/below-target/?org={tree['a'].pk}"
        assert f'<a href="{url}">在职党员本年度未达服务目标：<strong>1</strong>' in page
        listing = client.get(f"/services/in-service/below-target/?org={tree['a'].pk}")
        assert listing.context["page"].paginator.count == 1
        # The cached count moves with the data: a registration ended, a service recorded.
        other = register(new_member(tree["a1g2"], "王芳"), tree["a"], TODAY.replace(month=1, day=1))
        assert "在职党员本年度未达服务目标：<strong>2</strong>" in client.get("/").content.decode()
        other.ended_on, other.end_reason = TODAY - datetime.timedelta(days=1), "调动"
        other.save()
        assert "在职党员本年度未达服务目标：<strong>1</strong>" in client.get("/").content.decode()
        serve(members["a"], tree["a"], TODAY, 8 * 60)
        assert "在职党员本年度未达服务目标：0" in client.get("/").content.decode()
    else:
        assert "在职党员本年度未达服务目标：0" in page
