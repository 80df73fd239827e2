"""Democratic appraisal: who takes part, who gets a grade, the one-third warning, and the evidence of
the year shown on the round's page and on each member's page."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from councils.models import Appraisal, AppraisalRound, Meeting
from members.models import ManagementType, MemberChange
from services.models import CareVisit, ServiceEntry
from tests.conftest import new_member

D = datetime.date
K = MemberChange.Kind


@pytest.fixture
def branch(tree, members):
    people = {"张卫华": members["a"]}
    for name in ("王芳", "刘强", "陈静"):
        people[name] = new_member(tree["a1g2"], name)
    people["预备"] = new_member(tree["a1"], "预备", kind=K.ADMISSION, on=D(2024, 1, 5), joined=D(2024, 1, 5))
    people["双报到"] = new_member(tree["a1"], "双报到", management_type=ManagementType.IN_SERVICE)
    return people


@pytest.fixture
def appraisal_round(tree, branch):
    appraisal_round = AppraisalRound.objects.create(organization=tree["a1"], year=2024)
    appraisal_round.enrol()
    return appraisal_round


def post_rows(appraisal_round, grades):
    data = {}
    for appraisal in appraisal_round.appraisals.select_related("member"):
        prefix = f"a{appraisal.pk}"
        data[f"{prefix}-self"] = f"{appraisal.member.name}自评"
        data[f"{prefix}-peer"] = ""
        data[f"{prefix}-grade"] = grades.get(appraisal.member.name, "")
    return data


def test_members_whose_relationship_is_here_take_part_and_probationers_get_no_grade(appraisal_round, branch):
    taking_part = dict(appraisal_round.appraisals.values_list("member__name", "probationary"))
    assert taking_part == {"张卫华": False, "王芳": False, "刘强": False, "陈静": False, "预备": True}
    appraisal = appraisal_round.appraisals.get(member=branch["预备"])
    appraisal.grade = Appraisal.Grade.QUALIFIED
    with pytest.raises(ValidationError) as refused:
        appraisal.full_clean()
    assert "预备是预备党员，参加民主评议但不评定等次" in str(refused.value)


def test_a_grade_for_a_probationary_member_refuses_the_whole_form(client, users, appraisal_round):
    client.force_login(users["branch_a1"])
    data = post_rows(appraisal_round, {"张卫华": "excellent", "预备": "qualified"})
    response = client.post(f"/councils/appraisals/{appraisal_round.pk}/", data)
    assert response.status_code == 200
    assert "预备是预备党员，参加民主评议但不评定等次" in response.content.decode()
    assert not Appraisal.objects.exclude(grade="").exists()
    assert not Appraisal.objects.exclude(self_assessment="").exists()


def test_more_than_a_third_excellent_is_warned(client, users, appraisal_round):
    client.force_login(users["branch_a1"])
    grades = {"张卫华": "excellent", "王芳": "qualified", "刘强": "qualified", "陈静": "basic"}
    response = client.post(
        f"/councils/appraisals/{appraisal_round.pk}/", post_rows(appraisal_round, grades), follow=True
    )
    assert "已保存民主评议结果" in response.content.decode()
    assert "超过参加定等" not in response.content.decode()  # 1 of 4 graded
    assert dict(Appraisal.objects.values_list("member__name", "grade"))["陈静"] == "basic"
    grades["王芳"] = "excellent"  # 2 of 4: more than a third
    response = client.post(
        f"/councils/appraisals/{appraisal_round.pk}/", post_rows(appraisal_round, grades), follow=True
    )
    assert "评定为优秀的2人，超过参加定等的4人的三分之一" in response.content.decode()
    assert Appraisal.objects.filter(grade="excellent").count() == 2  # a warning, not a refusal


def test_one_third_exactly_is_not_warned(tree):
    appraisal_round = AppraisalRound(organization=tree["a1"], year=2024)
    rows = [Appraisal(grade=grade) for grade in ("excellent", "qualified", "qualified", "")]
    assert appraisal_round.excellent_warning(rows[:3]) is None  # 1 of 3
    assert appraisal_round.excellent_warning(rows) is None  # ungraded rows do not count
    assert appraisal_round.excellent_warning(rows[:2]) is not None  # 1 of 2


def test_a_round_is_created_once_a_year_per_branch(client, users, tree, branch):
    client.force_login(users["branch_a1"])
    held = Meeting.objects.create(organization=tree["a1"], kind="appraisal", held_on=D(2024, 12, 10))
    response = client.post("/councils/appraisals/new/", {"organization": tree["a1"].pk, "year": 2024})
    appraisal_round = AppraisalRound.objects.get()
    assert response["Location"] == f"/councils/appraisals/{appraisal_round.pk}/"
    assert appraisal_round.meeting == held and appraisal_round.appraisals.count() == 5
    again = client.post("/councils/appraisals/new/", {"organization": tree["a1"].pk, "year": 2024})
    assert "2024年度的民主评议已经建立" in again.content.decode() and AppraisalRound.objects.count() == 1


def test_the_round_and_the_members_page_show_the_evidence_of_the_year(client, users, tree, branch, appraisal_round):
    zhang = branch["张卫华"]
    for day, status in ((D(2024, 3, 1), "present"), (D(2024, 6, 1), "absent"), (D(2023, 6, 1), "present")):
        meeting = Meeting.objects.create(organization=tree["a1"], kind="general", held_on=day)
        meeting.freeze_attendance()
        meeting.mark(zhang, status)
    ServiceEntry.objects.create(member=zhang, organization=tree["a"], served_on=D(2024, 5, 1), minutes=150)
    ServiceEntry.objects.create(member=zhang, organization=tree["a"], served_on=D(2023, 5, 1), minutes=600)
    visit = CareVisit.objects.create(
        organization=tree["a"], member=branch["王芳"], reason="ill", visited_on=D(2024, 8, 1)
    )
    visit.visitors.add(zhang)
    appraisal = appraisal_round.appraisals.get(member=zhang)
    appraisal.grade = "qualified"
    appraisal.save()
    client.force_login(users["secretary_a"])
    page = client.get(f"/councils/appraisals/{appraisal_round.pk}/").content.decode()
    assert "2024年：参加会议 1/2 次，服务 2.5 小时，走访 1 次" in page
    member_page = client.get(f"/members/{zhang.pk}/").content.decode()
    assert "民主评议与组织生活" in member_page
    section = member_page[member_page.index('id="appraisals"') :]
    assert "<td>2024</td>" in section and "<td>合格</td>" in section and "<td>1/2</td>" in section
    assert "<td>2.5</td>" in section
    probationer = client.get(f"/members/{branch['预备'].pk}/").content.decode()
    assert "预备党员，不评定等次" in probationer


def test_a_member_without_meetings_or_appraisals_has_no_section(client, users, members):
    client.force_login(users["secretary_a"])
    assert "民主评议与组织生活" not in client.get(f"/members/{members['a'].pk}/").content.decode()


def test_another_communitys_round_is_not_found_and_a_viewer_may_not_grade(client, users, appraisal_round):
    client.force_login(users["secretary_b"])
    assert client.get(f"/councils/appraisals/{appraisal_round.pk}/").status_code == 404
    client.force_login(users["viewer_a"])
    assert client.get(f"/councils/appraisals/{appraisal_round.pk}/").status_code == 200
    response = client.post(
        f"/councils/appraisals/{appraisal_round.pk}/", post_rows(appraisal_round, {"张卫华": "excellent"})
    )
    assert response.status_code == 403 and not Appraisal.objects.exclude(grade="").exists()
