"""The annual feedback letter to an in-service member's employer (在职党员社区表现反馈): numbered per
community and year, its figures the ledger's (a hand-worked year with corrections, in
tests/services/inservice_data.py), recorded as issued, printed on A4 and exported as xlsx."""

import datetime
from io import BytesIO

import pytest
from django.db.models.query import QuerySet
from openpyxl import load_workbook

from portal.models import AuditEntry
from services import inservice
from services.models import FeedbackLetter
from tests.conftest import new_member
from tests.services.inservice_data import D, correct, hand_worked_year, register, target


@pytest.fixture
def year_2024(tree, members, users):
    hand_worked_year(tree, members["a"])
    target(tree["street"], 2024, hours=8, activities=4, user=users["street"])
    return register(members["a"], tree["a"], D(2023, 3, 1))


def issue(client, registration, year, assessment="该同志表现良好。"):
    return client.post(f"/services/in-service/{registration.pk}/letter/", {"year": year, "assessment": assessment})


def test_the_letters_figures_are_the_ledgers(client, users, year_2024):
    client.force_login(users["secretary_a"])
    form = client.get(f"/services/in-service/{year_2024.pk}/letter/", {"year": 2024})
    assert form.context["standing"].minutes == 210 and form.context["standing"].times == 2
    assert "张卫华同志2024年在我社区参加志愿服务2次，累计服务3.5小时，未达到街道党工委规定的年度服务目标。" in (
        form.content.decode()
    )
    response = issue(client, year_2024, 2024)
    letter = FeedbackLetter.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/services/in-service/letters/{letter.pk}/"
    assert (letter.organization_id, letter.year, letter.number) == (year_2024.organization_id, 2024, 1)
    assert (letter.minutes, letter.hours, letter.activities) == (210, 3.5, 2)
    assert letter.issued_by == users["secretary_a"] and letter.issued_on == datetime.date.today()
    rows, minutes, times = inservice.letter_rows(inservice.letter_entries(year_2024, 2024))
    assert [(row.served_on, row.what, row.minutes, row.corrected) for row in rows] == [
        (D(2024, 1, 6), "清理楼道", 120, False),
        (D(2024, 3, 10), "帮助独居老人买药", 90, True),
    ]
    assert (minutes, times) == (210, 2)
    assert inservice.standings(type(year_2024).objects.all(), 2023)[0].minutes == 60
    assert inservice.standings(type(year_2024).objects.all(), 2025)[0].minutes == 120


def test_the_print_page_has_the_number_hours_and_signature_line(client, users, year_2024):
    client.force_login(users["secretary_a"])
    issue(client, year_2024, 2024, "积极参加环境整治。")
    letter = FeedbackLetter.objects.get()
    page = client.get(f"/services/in-service/letters/{letter.pk}/print/").content.decode()
    assert "在职党员社区表现反馈" in page and "甲社区党支部 2024年第1号" in page
    assert "县财政局机关党支部：" in page and "3.5 小时" in page and "清理楼道" in page and "义诊" not in page
    assert "社区党组织书记（签字）" in page and "积极参加环境整治。" in page
    assert "print.css" in page
    assert "服务 8 小时、参加活动 4 次" in page


def test_a_correction_after_the_letter_leaves_the_issued_letter_as_printed(client, users, tree, year_2024):
    client.force_login(users["secretary_a"])
    issue(client, year_2024, 2024)
    letter = FeedbackLetter.objects.get()
    first = year_2024.member.service_entries.get(activity__title="清理楼道")
    fix = first.correction(60, note="更正")
    fix.save()
    page = client.get(f"/services/in-service/letters/{letter.pk}/print/").content.decode()
    assert "3.5 小时" in page and "<td>2.0</td>" in page  # as issued
    issue(client, year_2024, 2024)
    again = FeedbackLetter.objects.get(number=2)
    assert (again.minutes, again.activities) == (150, 2)
    page = client.get(f"/services/in-service/letters/{again.pk}/print/").content.decode()
    assert "2.5 小时" in page and "<td>1.0</td>" in page


def test_numbers_run_per_community_and_year(client, users, tree, members, year_2024):
    wang = new_member(tree["a1g2"], "王芳")
    other = register(wang, tree["a"], D(2023, 5, 1))
    in_b = register(members["b"], tree["b"], D(2023, 5, 1))
    client.force_login(users["street"])
    for registration, year in ((year_2024, 2024), (other, 2024), (year_2024, 2025), (in_b, 2024), (year_2024, 2024)):
        assert issue(client, registration, year).status_code == 302
    numbers = FeedbackLetter.objects.order_by("id").values_list("organization__name", "year", "number")
    assert list(numbers) == [
        ("甲社区党支部", 2024, 1),
        ("甲社区党支部", 2024, 2),
        ("甲社区党支部", 2025, 1),
        ("乙社区党支部", 2024, 1),
        ("甲社区党支部", 2024, 3),
    ]


def test_two_letters_issued_at_once_get_different_numbers(monkeypatch, users, year_2024, tree, members):
    """Both read the same last number: the second insert fails on the constraint and takes the next."""
    inservice.issue_letter(year_2024, 2024, users["secretary_a"], "甲")
    real_aggregate = QuerySet.aggregate
    stale = {"left": 1}

    def aggregate(self, *args, **kwargs):
        found = real_aggregate(self, *args, **kwargs)
        if self.model is FeedbackLetter and stale["left"]:
            stale["left"] -= 1
            return {"last": 0}  # read before the other secretary's letter was saved
        return found

    monkeypatch.setattr(QuerySet, "aggregate", aggregate)
    letter = inservice.issue_letter(year_2024, 2024, users["secretary_a"], "乙")
    assert stale["left"] == 0 and letter.number == 2
    assert sorted(FeedbackLetter.objects.values_list("number", flat=True)) == [1, 2]


def test_the_letter_as_xlsx(client, users, year_2024):
    client.force_login(users["secretary_a"])
    issue(client, year_2024, 2024, "=HYPERLINK(1)")
    letter = FeedbackLetter.objects.get()
    response = client.get(f"/services/in-service/letters/{letter.pk}/letter.xlsx")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    book = load_workbook(BytesIO(response.content))
    letter_sheet, detail = book.worksheets
    cells = {row[0]: row[1] for row in letter_sheet.iter_rows(min_row=4, values_only=True)}
    assert cells["编号"] == "2024年第1号" and cells["服务时长（小时）"] == 3.5 and cells["服务次数"] == 2
    assert cells["单位党组织"] == "县财政局机关党支部" and cells["社区评价"] == "'=HYPERLINK(1)"
    assert "社区党组织书记（签字）" in cells and cells["年度目标"] == "服务8小时、参加活动4次"
    assert [row[1:] for row in detail.iter_rows(min_row=4, values_only=True)] == [
        ("清理楼道", 2.0),
        ("帮助独居老人买药", 1.5),
    ]
    assert AuditEntry.objects.filter(action="export", summary__contains="反馈").exists()


def test_a_letter_needs_an_assessment_and_a_year_of_the_registration(client, users, year_2024):
    client.force_login(users["secretary_a"])
    page = issue(client, year_2024, 2024, "  ")
    assert "请填写社区评价。" in page.content.decode()
    page = issue(client, year_2024, 2022)  # registered in 2023
    assert "year" in page.context["form"].errors
    assert not FeedbackLetter.objects.exists()


def test_another_communitys_letter_answers_404_and_the_list_is_scoped(client, users, year_2024):
    client.force_login(users["secretary_a"])
    issue(client, year_2024, 2024)
    letter = FeedbackLetter.objects.get()
    client.force_login(users["secretary_b"])
    for url in ("", "print/", "letter.xlsx"):
        assert client.get(f"/services/in-service/letters/{letter.pk}/{url}").status_code == 404
    assert "2024年第1号" not in client.get("/services/in-service/letters/").content.decode()
    client.force_login(users["viewer_a"])
    listing = client.get("/services/in-service/letters/", {"year": 2024}).content.decode()
    assert "2024年第1号" in listing and "张卫华" in listing and "sec_a" in listing
    assert client.get(f"/services/in-service/letters/{letter.pk}/print/").status_code == 200
    assert issue(client, year_2024, 2024).status_code == 403
    assert FeedbackLetter.objects.count() == 1


def test_the_registration_page_lists_its_years_and_letters(client, users, year_2024):
    client.force_login(users["secretary_a"])
    issue(client, year_2024, 2024)
    page = client.get(f"/services/in-service/{year_2024.pk}/")
    years = {standing.year: (standing.minutes, standing.times) for standing in page.context["years"]}
    assert years[2024] == (210, 2) and years[2023] == (60, 1) and years[2025] == (120, 1)
    assert "2024年第1号" in page.content.decode()


def test_a_correction_entry_counts_in_the_letter_of_the_year_served(tree, members, year_2024):
    """A correction recorded in January corrects the year served, not the year recorded."""
    late = year_2024.member.service_entries.get(served_on=D(2023, 12, 30))
    correct(late, 30, D(2024, 1, 10))
    assert inservice.standings(type(year_2024).objects.all(), 2023)[0].minutes == 30
    assert inservice.standings(type(year_2024).objects.all(), 2024)[0].minutes == 210
