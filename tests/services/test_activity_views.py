"""Activities: the list, a page, and the quick entry of participants — which only ever appends to the
ledger, all in one transaction, and refuses the whole save over one bad row."""

import datetime
import re

import pytest
from django.utils import timezone

from members.models import Gender
from services.models import Activity, CoBuildingAgreement, ResidentUnit, ServiceEntry, ServiceTeam, TeamMembership
from tests.conftest import new_member

D = datetime.date
TODAY = datetime.date.today()


def local(day, hour=9):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def people(tree, members):
    """Five more members of A (pinyin initials zxm, zxl, wf, lq, cj) besides 张卫华 and B's 李秀英."""
    names = ["张晓明", "张小丽", "王芳", "刘强", "陈静"]
    found = {"zwh": members["a"], "lxy": members["b"]}
    for index, name in enumerate(names):
        found[name] = new_member(tree["a1g1"] if index % 2 else tree["a2"], name, D(1965, 1, 1 + index), Gender.FEMALE)
    return found


@pytest.fixture
def activity(tree, users):
    return Activity.objects.create(
        organization=tree["a"],
        title="清理楼道杂物",
        starts_at=local(TODAY - datetime.timedelta(days=3)),
        credited_minutes=120,
        created_by=users["secretary_a"],
    )


def quick_post(**fields):
    data = {
        "title": "义诊进社区",
        "organization": fields.pop("organization"),
        "kind": "convenience",
        "convenience_kind": "free_clinic",
        "day": f"{TODAY - datetime.timedelta(days=1):%Y-%m-%d}",
        "start_time": "09:00",
        "credited_hours": "2",
        "beneficiaries": "35",
        "place": "社区广场",
        "source": "activity",
    }
    members = fields.pop("members", [])
    data["member"] = [str(m.pk) for m in members]
    for member in members:
        data[f"taken_{member.pk}"] = "1"
        data[f"hours_{member.pk}"] = "2"
    data.update(fields)
    return data


def test_it_records_an_activity_with_its_participants_in_one_go(client, users, tree, people):
    client.force_login(users["secretary_a"])
    chosen = [people["zwh"], people["王芳"], people["刘强"]]
    data = quick_post(organization=tree["a"].pk, members=chosen, **{f"hours_{people['刘强'].pk}": "1.5"})
    response = client.post("/services/activities/new/", data)
    activity = Activity.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/services/activities/{activity.pk}/"
    entries = {e.member.name: (e.minutes, e.source, e.organization_id, e.served_on) for e in ServiceEntry.objects.all()}
    day = TODAY - datetime.timedelta(days=1)
    assert entries == {
        "张卫华": (120, "activity", tree["a"].pk, day),
        "王芳": (120, "activity", tree["a"].pk, day),
        "刘强": (90, "activity", tree["a"].pk, day),
    }
    assert ServiceEntry.objects.get(member=people["王芳"]).recorded_by == users["secretary_a"]
    page = client.get(f"/services/activities/{activity.pk}/").content.decode()
    assert "参加人员 3 名，共 5.5 小时" in page


@pytest.mark.parametrize(
    "hours, message",
    [
        ("-1", "服务时长不能为负数。"),
        ("25", "一人一天的服务时长不能超过24小时。"),
        ("abc", "请填写数字"),
        ("0", "服务时长应大于0"),
    ],
)
def test_bad_hours_are_named_next_to_the_row_and_nothing_is_saved(client, users, tree, people, hours, message):
    client.force_login(users["secretary_a"])
    wf = people["王芳"]
    data = quick_post(organization=tree["a"].pk, members=[people["zwh"], wf], **{f"hours_{wf.pk}": hours})
    response = client.post("/services/activities/new/", data)
    assert response.status_code == 200
    page = response.content.decode()
    row = re.search(rf'<tr id="participant-{wf.pk}" class="has-error">.*?</tr>', page, re.S).group(0)
    assert message in row and f'value="{hours}"' in row
    assert Activity.objects.count() == 0 and ServiceEntry.objects.count() == 0


def test_a_day_already_full_is_refused_for_that_person(client, users, tree, people, activity):
    ServiceEntry.objects.create(member=people["王芳"], organization=tree["a"], served_on=activity.day, minutes=23 * 60)
    client.force_login(users["secretary_a"])
    data = {"source": "activity", "member": [people["王芳"].pk], f"taken_{people['王芳'].pk}": "1"}
    data[f"hours_{people['王芳'].pk}"] = "2"
    response = client.post(f"/services/activities/{activity.pk}/participants/", data)
    assert response.status_code == 200
    assert "加上本次将超过一天24小时" in response.content.decode()
    assert ServiceEntry.objects.count() == 1


def test_a_participant_outside_the_users_scope_refuses_the_whole_save(client, users, tree, people):
    client.force_login(users["secretary_a"])
    data = quick_post(organization=tree["a"].pk, members=[people["zwh"], people["lxy"]])
    response = client.post("/services/activities/new/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "（您管理范围以外的人员）不在您管理的范围内" in page
    assert "李秀英" not in page  # whose id it is is not told
    assert Activity.objects.count() == 0 and ServiceEntry.objects.count() == 0
    # Unticked, the row is left out and the rest is saved.
    data.pop(f"taken_{people['lxy'].pk}")
    assert client.post("/services/activities/new/", data).status_code == 302
    assert list(ServiceEntry.objects.values_list("member__name", flat=True)) == ["张卫华"]


def test_a_member_who_left_the_register_meanwhile_is_named_to_whoever_may_see_them(client, users, tree, people):
    from members.models import MemberChange
    from tests.conftest import change

    change(people["王芳"], MemberChange.Kind.DEATH, TODAY - datetime.timedelta(days=1))
    client.force_login(users["secretary_a"])
    response = client.post("/services/activities/new/", quick_post(organization=tree["a"].pk, members=[people["王芳"]]))
    assert "王芳不在您管理的范围内（或已不在册）" in response.content.decode()
    assert ServiceEntry.objects.count() == 0


def test_an_activity_of_another_community_cannot_be_made(client, users, tree, people):
    client.force_login(users["secretary_a"])
    response = client.post("/services/activities/new/", quick_post(organization=tree["b"].pk, members=[]))
    assert response.status_code == 200
    assert "organization" in response.context["form"].errors
    assert Activity.objects.count() == 0


def test_changing_participants_later_appends_corrections(client, users, tree, people, activity):
    client.force_login(users["secretary_a"])
    zwh, wf, lq = people["zwh"], people["王芳"], people["刘强"]
    url = f"/services/activities/{activity.pk}/participants/"

    def post(rows, source="sign_in"):
        data = {"source": source, "member": [m.pk for m, _h, _t in rows]}
        for member, hours, taken in rows:
            data[f"hours_{member.pk}"] = hours
            if taken:
                data[f"taken_{member.pk}"] = "1"
        return client.post(url, data)

    assert post([(zwh, "2", True), (wf, "2", True)]).status_code == 302
    first = {e.member_id: e.pk for e in ServiceEntry.objects.all()}
    # 王芳 stayed 3 hours, 张卫华 was not there after all, 刘强 is added; 2.0 unchanged makes nothing.
    assert post([(zwh, "2.0", False), (wf, "3", True), (lq, "2", True)]).status_code == 302
    assert post([(zwh, "0.0", False), (wf, "3.0", True), (lq, "2.0", True)]).status_code == 302  # no change
    rows = list(ServiceEntry.objects.order_by("id").values_list("member", "minutes", "corrects", "source"))
    assert rows == [
        (zwh.pk, 120, None, "sign_in"),
        (wf.pk, 120, None, "sign_in"),
        (zwh.pk, -120, first[zwh.pk], "sign_in"),
        (wf.pk, 60, first[wf.pk], "sign_in"),
        (lq.pk, 120, None, "sign_in"),
    ]
    assert ServiceEntry.objects.filter(activity=activity).figures().person_times == 2
    page = client.get(f"/services/activities/{activity.pk}/").content.decode()
    assert "参加人员 2 名，共 5.0 小时" in page and "撤销：未参加" in page


def test_the_member_search_finds_by_pinyin_initials_within_the_users_scope(client, users, people):
    client.force_login(users["secretary_a"])
    page = client.post("/services/activities/member-search/", {"q": "zx"}).content.decode()
    assert "张晓明" in page and "张小丽" in page and "王芳" not in page
    assert "李秀英" not in client.post("/services/activities/member-search/", {"q": "lxy"}).content.decode()
    chosen = client.post("/services/activities/member-search/", {"q": "wf", "member": [people["王芳"].pk]})
    assert "已添加" in chosen.content.decode()
    assert client.get("/services/activities/member-search/", {"q": "zx"}).status_code == 405  # never in a URL


def test_a_participant_row_comes_pre_filled_with_the_credited_hours(client, users, people):
    client.force_login(users["secretary_a"])
    wf = people["王芳"]
    row = client.post("/services/activities/participant-row/", {"add": wf.pk, "credited_hours": "1.5"})
    assert f'name="hours_{wf.pk}"' in row.content.decode() and 'value="1.5"' in row.content.decode()
    again = client.post("/services/activities/participant-row/", {"add": wf.pk, "member": [wf.pk]})
    assert again.status_code == 204
    other = client.post("/services/activities/participant-row/", {"add": people["lxy"].pk})
    assert other.status_code == 404


def test_the_sign_in_sheet_lists_the_teams_members_and_blank_rows(client, users, tree, people, activity):
    team = ServiceTeam.objects.create(organization=tree["a"], name="甲社区党员志愿服务队")
    TeamMembership.objects.create(team=team, member=people["王芳"], joined_on=D(2024, 1, 1))
    TeamMembership.objects.create(team=team, member=people["刘强"], joined_on=D(2024, 1, 1), left_on=D(2024, 6, 1))
    Activity.objects.filter(pk=activity.pk).update(team=team)
    client.force_login(users["secretary_a"])
    page = client.get(f"/services/activities/{activity.pk}/sign-in-sheet/").content.decode()
    assert "王芳" in page and "刘强" not in page and "本人签名" in page
    assert page.count('<tr class="blank">') == 8
    form = client.get(f"/services/activities/{activity.pk}/participants/?source=sign_in").content.decode()
    assert f'name="taken_{people["王芳"].pk}"' in form and 'value="sign_in" checked' in form


def test_the_list_filters_by_period_and_kind_and_counts_participants(client, users, tree, people, activity):
    ServiceEntry.objects.create(
        member=people["王芳"], organization=tree["a"], activity=activity, served_on=activity.day, minutes=120
    )
    Activity.objects.create(organization=tree["b"], title="乙社区巡逻", kind="patrol", starts_at=local(TODAY))
    client.force_login(users["street"])
    page = client.get("/services/activities/").content.decode()
    assert "清理楼道杂物" in page and "乙社区巡逻" in page
    page = client.get("/services/activities/", {"kind": "patrol"}).content.decode()
    assert "清理楼道杂物" not in page and "乙社区巡逻" in page
    client.force_login(users["secretary_a"])
    page = client.get("/services/activities/").content.decode()
    assert "乙社区巡逻" not in page
    assert re.search(r"清理楼道杂物</a></td>\s*<td>1</td><td>2.0</td>", page)
    old = client.get("/services/activities/", {"start": "2020-01-01", "end": "2020-12-31"}).content.decode()
    assert "这段时间没有服务活动" in old


def test_editing_an_activity_cannot_move_its_day_once_entries_exist(client, users, tree, people, activity):
    ServiceEntry.objects.create(
        member=people["王芳"], organization=tree["a"], activity=activity, served_on=activity.day, minutes=120
    )
    client.force_login(users["secretary_a"])
    data = {
        "title": "清理楼道",
        "organization": tree["a"].pk,
        "kind": "environment",
        "day": f"{activity.day - datetime.timedelta(days=1):%Y-%m-%d}",
        "start_time": "09:00",
        "credited_hours": "2",
        "beneficiaries": "0",
    }
    response = client.post(f"/services/activities/{activity.pk}/edit/", data)
    assert response.status_code == 200 and "不能修改日期" in response.content.decode()
    data["day"] = f"{activity.day:%Y-%m-%d}"
    assert client.post(f"/services/activities/{activity.pk}/edit/", data).status_code == 302
    activity.refresh_from_db()
    assert (activity.title, activity.kind) == ("清理楼道", "environment")


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"end_time": "08:00"}, "end_time", "结束时间不能早于开始时间。"),
        ({"day": f"{TODAY + datetime.timedelta(days=400):%Y-%m-%d}"}, "day", "开始时间不能晚于一年以后。"),
        ({"day": "0001-01-01", "start_time": "00:00"}, "day", "请填写 1921-07-01 至 2099-12-31 之间的日期。"),
        ({"day": "1000-01-01"}, "day", "请填写 1921-07-01 至 2099-12-31 之间的日期。"),
    ],
)
def test_a_bad_day_or_time_is_named_next_to_its_field_and_nothing_is_saved(
    client, users, tree, people, changes, field, message
):
    client.force_login(users["secretary_a"])
    data = quick_post(organization=tree["a"].pk, members=[people["zwh"]], **changes)
    response = client.post("/services/activities/new/", data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()
    assert Activity.objects.count() == 0 and ServiceEntry.objects.count() == 0


def test_editing_an_activity_to_end_before_it_starts_is_refused_next_to_the_end_time(client, users, tree, activity):
    client.force_login(users["secretary_a"])
    data = {
        "title": "清理楼道",
        "organization": tree["a"].pk,
        "kind": "environment",
        "day": f"{activity.day:%Y-%m-%d}",
        "start_time": "09:00",
        "end_time": "08:30",
        "credited_hours": "2",
        "beneficiaries": "0",
    }
    response = client.post(f"/services/activities/{activity.pk}/edit/", data)
    assert response.status_code == 200
    assert response.context["form"].errors["end_time"] == ["结束时间不能早于开始时间。"]
    activity.refresh_from_db()
    assert (activity.title, activity.ends_at) == ("清理楼道杂物", None)


def test_another_communitys_co_building_agreement_is_refused_next_to_the_field(client, users, tree):
    unit = ResidentUnit.objects.create(organization=tree["b"], name="县医院")
    theirs = CoBuildingAgreement.objects.create(unit=unit, organization=tree["b"], title="乙社区共建", starts_on=TODAY)
    client.force_login(users["street"])  # writes to both communities: both agreements are offered
    response = client.post("/services/activities/new/", quick_post(organization=tree["a"].pk, agreement=theirs.pk))
    assert response.status_code == 200
    assert response.context["form"].errors["agreement"] == ["共建协议不属于本社区。"]
    assert Activity.objects.count() == 0
    response = client.post("/services/activities/new/", quick_post(organization=tree["b"].pk, agreement=theirs.pk))
    assert response.status_code == 302 and Activity.objects.get().agreement == theirs


def test_the_list_and_an_activitys_page_cost_the_same_queries_for_more_activities_and_people(
    client, users, tree, people
):
    client.force_login(users["secretary_a"])

    def make(n):
        for index in range(n):
            activity = Activity.objects.create(
                organization=tree["a"], title=f"活动{index}", starts_at=local(TODAY - datetime.timedelta(days=index))
            )
            for name in ("王芳", "刘强", "陈静"):
                ServiceEntry.objects.create(
                    member=people[name], organization=tree["a"], activity=activity, served_on=activity.day, minutes=60
                )
        return activity

    def count(url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    first = make(2)
    few = count("/services/activities/"), count(f"/services/activities/{first.pk}/")
    last = make(12)
    ServiceEntry.objects.filter(activity=last).first().correction(0).save()
    many = count("/services/activities/"), count(f"/services/activities/{last.pk}/")
    assert many == few
