"""Service teams per organization: created, edited, members joining and leaving."""

import datetime
import re

import pytest

from services.models import ServiceTeam, TeamMembership

D = datetime.date
TODAY = datetime.date.today()


@pytest.fixture
def team(tree, members):
    team = ServiceTeam.objects.create(organization=tree["a"], name="甲社区党员志愿服务队", founded_on=D(2020, 3, 5))
    TeamMembership.objects.create(team=team, member=members["a"], joined_on=D(2020, 3, 5))
    return team


def test_it_creates_a_team_in_the_users_community(client, users, tree):
    client.force_login(users["secretary_a"])
    data = {"name": " 甲社区  党员义工队 ", "organization": tree["a"].pk, "kind": "yigong", "founded_on": "2021-05-04"}
    response = client.post("/services/teams/new/", data)
    team = ServiceTeam.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/services/teams/{team.pk}/"
    assert (team.name, team.organization, team.kind) == ("甲社区 党员义工队", tree["a"], "yigong")
    data["organization"] = tree["b"].pk
    assert client.post("/services/teams/new/", data).status_code == 200
    assert ServiceTeam.objects.count() == 1


def test_a_team_cannot_be_founded_in_the_future_nor_dissolved_before_it_was_founded(client, users, tree, team):
    client.force_login(users["secretary_a"])
    future = f"{TODAY + datetime.timedelta(days=2):%Y-%m-%d}"
    page = client.post(
        "/services/teams/new/",
        {"name": "新队", "organization": tree["a"].pk, "kind": "volunteer", "founded_on": future},
    )
    assert "成立日期不能晚于今天。" in page.content.decode()
    data = {"name": team.name, "kind": "volunteer", "founded_on": "2020-03-05", "dissolved_on": "2019-01-01"}
    page = client.post(f"/services/teams/{team.pk}/edit/", data)
    assert "解散日期不能早于成立日期。" in page.content.decode()
    team.refresh_from_db()
    assert team.dissolved_on is None


def leader_options(response):
    select = re.search(r'<select[^>]*name="leader".*?</select>', response.content.decode(), re.S).group(0)
    return [int(pk) for pk in re.findall(r'<option value="(\d+)"', select)]


def test_the_leader_is_offered_from_the_chosen_communitys_members_only(client, users, tree, members, monkeypatch):
    from tests.conftest import new_member

    wf = new_member(tree["a2"], "王芳")
    client.force_login(users["street"])  # writes to the whole street: both communities' members
    unnamed = {"name": "", "organization": tree["a"].pk, "kind": "volunteer"}
    page = client.post("/services/teams/new/", unnamed)
    assert page.status_code == 200 and sorted(leader_options(page)) == sorted([members["a"].pk, wf.pk])
    assert leader_options(client.post("/services/teams/new/", {**unnamed, "organization": tree["b"].pk})) == [
        members["b"].pk
    ]
    monkeypatch.setattr("services.forms.CHOICES_CAP", 1)
    assert len(leader_options(client.get("/services/teams/new/"))) == 1


def test_a_leader_from_another_community_is_refused_next_to_the_field(client, users, tree, members):
    client.force_login(users["street"])
    data = {"name": "甲社区巡逻队", "organization": tree["a"].pk, "kind": "patrol", "leader": members["b"].pk}
    response = client.post("/services/teams/new/", data)
    assert response.status_code == 200
    assert response.context["form"].errors["leader"] == ["队长应为本社区的在册党员。"]
    assert "队长应为本社区的在册党员。" in response.content.decode() and ServiceTeam.objects.count() == 0
    response = client.post("/services/teams/new/", {**data, "leader": members["a"].pk})
    assert response.status_code == 302 and ServiceTeam.objects.get().leader == members["a"]


def test_members_join_and_leave_with_their_dates(client, users, tree, members, team):
    from tests.conftest import new_member

    wf = new_member(tree["a2"], "王芳")
    client.force_login(users["secretary_a"])
    assert (
        client.post(f"/services/teams/{team.pk}/join/", {"member": wf.pk, "joined_on": "2024-02-01"}).status_code == 302
    )
    assert set(team.current_members().values_list("name", flat=True)) == {"张卫华", "王芳"}
    again = client.post(f"/services/teams/{team.pk}/join/", {"member": wf.pk, "joined_on": "2024-03-01"})
    assert again.status_code == 200  # no longer offered: already in the team
    outsider = client.post(f"/services/teams/{team.pk}/join/", {"member": members["b"].pk, "joined_on": "2024-03-01"})
    assert outsider.status_code == 200
    membership = TeamMembership.objects.get(member=wf)
    early = client.post(f"/services/teams/{team.pk}/members/{membership.pk}/leave/", {"left_on": "2024-01-01"})
    assert "退出日期不能早于加入日期。" in early.content.decode()
    assert (
        client.post(f"/services/teams/{team.pk}/members/{membership.pk}/leave/", {"left_on": "2024-06-30"}).status_code
        == 302
    )
    membership.refresh_from_db()
    assert membership.left_on == D(2024, 6, 30)
    assert list(team.current_members().values_list("name", flat=True)) == ["张卫华"]
    assert list(team.current_members(on=D(2024, 5, 1)).order_by("name_pinyin").values_list("name", flat=True)) == [
        "王芳",
        "张卫华",
    ]
    page = client.get(f"/services/teams/{team.pk}/?former=1").content.decode()
    assert "2024-06-30" in page


def test_the_list_counts_current_members_per_organization(client, users, tree, team):
    ServiceTeam.objects.create(organization=tree["b"], name="乙社区平安巡逻队", kind="patrol")
    client.force_login(users["street"])
    page = client.get("/services/teams/").content.decode()
    assert "甲社区党员志愿服务队" in page and "乙社区平安巡逻队" in page
    client.force_login(users["secretary_b"])
    page = client.get("/services/teams/").content.decode()
    assert "甲社区党员志愿服务队" not in page and "乙社区平安巡逻队" in page
    assert client.get(f"/services/teams/{team.pk}/").status_code == 404
