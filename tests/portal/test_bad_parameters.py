"""Bad parameters are answered, never a server error (issue 10, item 6): out-of-range and impossible
dates on every page and download that reads one, numbers only ``str.isdigit`` calls numbers, any
character in a download's file name or a sheet's name, a time of day in a rejected row."""

import datetime
import io
import urllib.parse

import pytest
from openpyxl import Workbook, load_workbook

from members.imports import RosterImport, _plain, record_batch
from members.models import ImportBatch
from organizations.models import Organization
from portal.exports import content_disposition
from portal.params import date_or_none, pk_or_none

BAD_DATES = ["0001-01-01", "9999-12-31", "2024-02-30", "abc", "99999-01-01", "0000-00-00", "2024-13-01", " "]
PAGES = ["/", "/dashboard/"]  # a bad ?date= is said on the page, which shows today
DOWNLOADS = [  # a bad date is a 400 that says why
    ("/dashboard/export.xlsx", "date"),
    ("/members/ledger.xlsx", "start"),
    ("/members/ledger.xlsx", "end"),
]


@pytest.fixture
def root(client, users):
    client.force_login(users["superuser"])
    return client


@pytest.mark.parametrize("value", BAD_DATES)
def test_it_answers_a_bad_date_on_a_page_with_a_message_and_todays_figures(root, tree, value):
    for url in PAGES:
        for org in ({}, {"org": tree["a"].pk}):
            response = root.get(url, {"date": value, **org})
            assert response.status_code == 200, (url, value)
            if value.strip():
                assert "无效" in response.content.decode()


@pytest.mark.parametrize("value", BAD_DATES[:-1])
def test_it_refuses_a_bad_date_in_a_download_with_a_400_that_says_why(root, tree, value):
    for url, name in DOWNLOADS:
        response = root.get(url, {name: value, "org": tree["a"].pk})
        assert response.status_code == 400, (url, name, value)
        assert f"日期“{value}”无效" in response.content.decode()


@pytest.mark.parametrize("value", ["²", "٣", "-1", "1.0", "99999999999999999999999", "１"])
def test_it_takes_only_plain_digits_for_an_organization(root, tree, members, value):
    for url in ["/", "/dashboard/", "/dashboard/export.xlsx", "/members/", "/members/roster.xlsx"]:
        assert root.get(url, {"org": value}).status_code < 500, url
    assert root.get("/members/ledger.xlsx", {"org": value}).status_code == 200
    assert root.get("/organizations/options/", {"level": "branch", "community": value}).status_code == 200
    assert root.get("/members/new/", {"community": value, "branch": value}).status_code == 200


def test_a_date_within_range_still_reads():
    assert date_or_none("2024-02-29") == datetime.date(2024, 2, 29)
    assert date_or_none("1921-06-30") is None and date_or_none("2100-01-01") is None
    assert pk_or_none("12") == 12 and pk_or_none("²") is None and pk_or_none(str(2**63)) is None


def test_any_name_downloads_under_its_own_name_and_an_ascii_fallback(root, tree, members):
    name = '北门/南门"社区\\党支部'
    Organization.objects.filter(pk=tree["a"].pk).update(name=name)
    for url in ["/members/roster.xlsx", "/members/ledger.xlsx", "/dashboard/export.xlsx"]:
        response = root.get(url, {"org": tree["a"].pk})
        assert response.status_code == 200, url
        header = response["Content-Disposition"]
        fallback, encoded = header.split("; filename*=UTF-8''")
        assert fallback.startswith('attachment; filename="') and fallback.count('"') == 2 and header.isascii()
        assert name in urllib.parse.unquote(encoded)
        book = load_workbook(io.BytesIO(response.content))
        assert name in book.worksheets[-1]["A1"].value or name in book.worksheets[-1]["A2"].value


@pytest.mark.parametrize(
    "filename, fallback",
    [
        ("党员名单-20250101.xlsx", "20250101.xlsx"),
        ('a"b\r\nc/d\\e;f.xlsx', "a_b_c_d_e_f.xlsx"),
        ("花名册", "download"),
    ],
)
def test_the_fallback_name_cannot_break_the_header(filename, fallback):
    header = content_disposition(filename)
    assert header.startswith(f"attachment; filename=\"{fallback}\"; filename*=UTF-8''")
    assert urllib.parse.unquote(header.rpartition("''")[2]) == filename
    assert "\n" not in header and "\r" not in header


def test_a_time_of_day_in_a_rejected_row_is_kept_and_downloaded(root, users, tree):
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "身份证号", "入党时间", "备注"])
    sheet.append(["张三", "不是身份证号", datetime.time(8, 30), datetime.timedelta(hours=3)])
    buffer = io.BytesIO()
    book.save(buffer)
    batch = ImportBatch.objects.create(
        organization=tree["a"], file_name="带时间.xlsx", file_data=buffer.getvalue(), uploaded_by=users["superuser"]
    )
    plan = RosterImport(buffer.getvalue(), batch.file_name, tree["a"], users["superuser"]).analyse()
    record_batch(batch, plan)
    batch.refresh_from_db()
    assert batch.rejected_rows[0]["cells"][2] == "08:30"
    response = root.get(f"/members/import/{batch.pk}/rejected.xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=4, values_only=True))
    assert rows[0][4] == "08:30" and rows[0][5] == "3:00:00"


def test_what_json_cannot_hold_is_kept_as_text():
    assert [_plain(value) for value in (float("nan"), float("inf"), "a\x00b", 2.0, 2.5, True)] == [
        "nan",
        "inf",
        "ab",
        2,
        2.5,
        True,
    ]


@pytest.mark.parametrize("value", ["0001-01-01", "2024-02-30", "abc", "²", "1" * 40])
def test_forms_filled_from_the_query_string_take_any_value(root, tree, value):
    params = {"birth_date": value, "joined_on": value, "organization": value, "id_number": value}
    assert root.get("/members/new/", params).status_code == 200
    assert root.post("/members/check-id/", {"id_number": value}).status_code == 200
    search = {"q": value, "category": value, "sort": value, "page": value}
    assert root.post("/members/", search, follow=True).status_code == 200
