"""The yearly target of in-service members is data the street committee sets, with an effective year:
the target in force for a year is the latest one whose effective year is not after it."""

import datetime

from organizations.models import Organization, Role
from services.models import ServiceTarget
from tests.conftest import make_org, make_user
from tests.services.inservice_data import target

THIS_YEAR = datetime.date.today().year


def test_the_target_in_force_is_the_latest_effective_year_not_after_the_year(tree, users):
    target(tree["street"], 2022, hours=12)
    newer = target(tree["street"], 2024, hours=20, activities=6)
    assert ServiceTarget.in_force(tree["a"], 2021) is None
    assert ServiceTarget.in_force(tree["a"], 2022).hours_target == 12
    assert ServiceTarget.in_force(tree["a"], 2023).hours_target == 12
    assert ServiceTarget.in_force(tree["a"], 2024) == newer
    assert ServiceTarget.in_force(tree["a1g1"], 2030) == newer
    by_year = ServiceTarget.in_force_by_year(tree["a"], [2021, 2022, 2023, 2024, 2025])
    assert [t and t.hours_target for t in by_year.values()] == [None, 12, 12, 20, 20]
    other_street = make_org(None, "另一街道", Organization.Kind.STREET)
    assert ServiceTarget.in_force_for([tree["a"], tree["b"], other_street], 2023) == {
        tree["a"].pk: ServiceTarget.objects.get(effective_year=2022),
        tree["b"].pk: ServiceTarget.objects.get(effective_year=2022),
        other_street.pk: None,
    }


def test_street_staff_set_a_target_and_the_list_says_who(client, users, tree):
    client.force_login(users["street"])
    assert client.get("/services/in-service/targets/new/").status_code == 200
    data = {"organization": tree["street"].pk, "effective_year": 2025, "hours_target": "24", "activities_target": ""}
    assert client.post("/services/in-service/targets/new/", data).status_code == 302
    saved = ServiceTarget.objects.get()
    assert (saved.organization, saved.effective_year, saved.hours_target, saved.activities_target) == (
        tree["street"],
        2025,
        24,
        None,
    )
    assert saved.set_by == users["street"]
    again = client.post("/services/in-service/targets/new/", {**data, "hours_target": "30"})
    assert "测试街道2025年起的目标已设定（street），如需调整请修改该条目标。" in again.content.decode()
    assert "effective_year" in again.context["form"].errors and ServiceTarget.objects.get().hours_target == 24
    client.force_login(users["secretary_a"])
    listing = client.get("/services/in-service/targets/").content.decode()
    assert "服务 24 小时" in listing and "street" in listing and "设定目标" not in listing


def test_a_target_needs_a_figure_that_is_not_negative(client, users, tree):
    client.force_login(users["street"])
    data = {"organization": tree["street"].pk, "effective_year": 2025, "hours_target": "", "activities_target": ""}
    page = client.post("/services/in-service/targets/new/", data)
    assert "请至少填写服务时长目标或活动次数目标。" in page.content.decode()
    page = client.post("/services/in-service/targets/new/", {**data, "hours_target": "-2"})
    assert "服务时长目标不能为负数。" in page.content.decode()
    assert not ServiceTarget.objects.exists()


def test_only_street_staff_set_targets(client, users, tree):
    data = {"organization": tree["street"].pk, "effective_year": 2025, "hours_target": "24"}
    for role in ("secretary_a", "viewer_a", "branch_a1"):
        client.force_login(users[role])
        assert client.get("/services/in-service/targets/new/").status_code == 403
        assert client.post("/services/in-service/targets/new/", data).status_code == 403
    # A viewer on the street may look, not set.
    client.force_login(make_user("street_viewer", Role.Kind.VIEWER, tree["street"]))
    assert client.post("/services/in-service/targets/new/", data).status_code == 403
    assert not ServiceTarget.objects.exists()
    # Street staff of one street do not set another street's target.
    other = make_org(None, "另一街道", Organization.Kind.STREET)
    client.force_login(users["street"])
    page = client.post("/services/in-service/targets/new/", {**data, "organization": other.pk})
    assert "只有街道工作人员可以为本街道设定目标。" in page.content.decode()
    assert not ServiceTarget.objects.exists()


def test_a_target_is_edited_until_its_year_has_passed(client, users, tree):
    current = target(tree["street"], THIS_YEAR, hours=20, user=users["street"])
    past = target(tree["street"], THIS_YEAR - 2, hours=10, user=users["street"])
    client.force_login(users["secretary_a"])
    assert client.post(f"/services/in-service/targets/{current.pk}/edit/", {"hours_target": "1"}).status_code == 403
    client.force_login(users["street"])
    data = {"hours_target": "16", "activities_target": "4"}
    assert client.post(f"/services/in-service/targets/{current.pk}/edit/", data).status_code == 302
    current.refresh_from_db()
    assert (current.hours_target, current.activities_target, current.effective_year) == (16, 4, THIS_YEAR)
    response = client.post(f"/services/in-service/targets/{past.pk}/edit/", data, follow=True)
    assert "往年起执行的目标不能修改" in response.content.decode()
    past.refresh_from_db()
    assert past.hours_target == 10


def test_a_target_of_a_street_out_of_sight_answers_404(client, users, tree):
    other = make_org(None, "另一街道", Organization.Kind.STREET)
    hidden = target(other, THIS_YEAR, hours=8)
    client.force_login(users["street"])
    assert client.get(f"/services/in-service/targets/{hidden.pk}/edit/").status_code == 404
    assert "另一街道" not in client.get("/services/in-service/targets/").content.decode()
