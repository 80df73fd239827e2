"""Roster import: real-life files in, exactly the bad rows reported, exactly the good rows written."""

import datetime
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from members.imports import RosterImport
from members.ledgers import RosterExport
from members.models import Member, MemberChange
from members.roster import RosterError, parse_date, read_roster
from portal.identity import make_id_number
from portal.models import AuditEntry
from tests.conftest import new_member

D = datetime.date
ID = {n: make_id_number("320102", D(1950 + n, 1 + n % 12, 1 + n), n, "M" if n % 2 else "F") for n in range(1, 30)}
HEADER = [
    "序号",
    "姓名",
    "性别",
    "公民身份号码",
    "出生年月",
    "入党日期",
    "党员类别",
    "人员类别",
    "所在支部",
    "所在党小组",
    "联系电话",
    "家庭住址",
    "籍贯",
    "备注",
]


def gender(n):
    return "男" if n % 2 else "女"


def good(n, **overrides):
    row = {
        "序号": n,
        "姓名": f"党员{'甲乙丙丁戊己庚辛壬癸'[n % 10]}{n}",
        "性别": gender(n),
        "公民身份号码": ID[n],
        "出生年月": f"{1950 + n}.{1 + n % 12:02d}",
        "入党日期": f"{1980 + n}-7-1",
        "党员类别": "正式党员",
        "人员类别": "退休",
        "所在支部": "甲第一支部",
        "所在党小组": "甲1号楼小组",
        "联系电话": "138-1234-8000",
        "家庭住址": "甲社区3号楼",
        "籍贯": "福建",
        "备注": "",
    }
    return {**row, **overrides}


def messy_roster(rows, merge_branch=True):
    """A roster as communities keep it: title, 填报单位, merged cells, blank rows, footer."""
    book = Workbook()
    sheet = book.active
    sheet.append(["甲社区党员花名册"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    sheet.append(["填报单位：甲社区党支部", None, None, None, "填报日期：2026年11月"])
    sheet.append(HEADER)
    for row in rows:
        if row is None:
            sheet.append([])
            continue
        sheet.append([row.get(h) for h in HEADER])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text that looks like a formula
    if merge_branch:
        sheet.merge_cells(start_row=4, start_column=9, end_row=6, end_column=9)  # branch written once
    sheet.append(["合计", f"{len([r for r in rows if r])}人"])
    sheet.append(["填表人：王书记", None, "审核人：李主任"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


ROWS = [
    good(1),  # row 4
    good(2, 公民身份号码=" " + ID[2].replace("X", "x")[:6] + " " + ID[2][6:].lower()),  # spaces, lower x
    good(3, 入党日期="1983年7月", 人员类别="离退休", 姓名="王　芳"),  # full-width space in the name
    None,  # a blank row in the middle (row 7)
    good(4, 公民身份号码=ID[4][:17] + ("0" if ID[4][17] != "0" else "1")),  # wrong check digit: row 8
    good(5, 出生年月="1960.01"),  # birth date does not match the ID: row 9
    good(6, 入党日期="1960-7-1"),  # joined at 4 years old: row 10
    good(7, 所在支部="不存在支部"),  # unknown branch: row 11
    good(8, 所在支部="甲第二支部"),  # 甲1号楼小组 is not under 甲第二支部: row 12
    good(9, 公民身份号码=ID[1]),  # duplicate of row 4: row 13
    good(10, 公民身份号码=float(ID[10][:17])),  # Excel turned it into a number: row 14
    good(11, 人员类别="下岗", 联系电话="025 84561234", 备注="=1+1"),  # landline, formula-looking text: row 15
    good(12, 人员类别="个体", 党员类别="预备", 入党日期=D(2025, 3, 1)),  # Excel date: row 16
    good(13, 入党日期="19900701", 所在党小组=""),  # no group: sits in the branch: row 17
]
BAD_ROWS = {8, 9, 10, 11, 12, 13, 14}


@pytest.fixture
def sec_a(users):
    return users["secretary_a"]


def problems_by_row(plan):
    return {entry["row"]: [column for column, _reason in entry["problems"]] for entry in plan.rejected}


def test_values_as_people_type_them():
    assert parse_date("1985.07") == D(1985, 7, 1)
    assert parse_date("1985年7月") == D(1985, 7, 1)
    assert parse_date("1985-7-1") == parse_date("1985/7/1") == parse_date("19850701") == D(1985, 7, 1)
    assert parse_date(datetime.datetime(1985, 7, 1, 0, 0)) == D(1985, 7, 1)
    assert parse_date("1985年13月") is None


def test_the_preview_reports_exactly_the_bad_rows(tree, sec_a):
    plan = RosterImport(messy_roster(ROWS), "花名册.xlsx", tree["a"], sec_a).analyse()
    reported = problems_by_row(plan)
    assert set(reported) == BAD_ROWS
    assert reported[8] == ["身份证号"] and reported[9] == ["出生日期"] and reported[14] == ["身份证号"]
    assert reported[11] == ["所在支部"] and reported[12] == ["所在党小组"] and reported[10] == ["入党时间"]
    assert "末几位已丢失" in plan.rejected[-1]["problems"][0][1]
    assert plan.counts == (6, 0, 0, 7)
    assert plan.extra_columns == ["序号", "籍贯"]
    assert not Member.objects.exists()


def test_all_or_nothing_by_default_and_valid_rows_only_when_asked(tree, sec_a):
    plan, committed = RosterImport(messy_roster(ROWS), "花名册.xlsx", tree["a"], sec_a).commit()
    assert not committed and not Member.objects.exists() and not MemberChange.objects.exists()
    plan, committed = RosterImport(messy_roster(ROWS), "花名册.xlsx", tree["a"], sec_a).commit(valid_only=True)
    assert committed
    members = {m.id_number: m for m in Member.objects.select_related("organization")}
    assert set(members) == {ID[n] for n in (1, 2, 3, 11, 12, 13)}
    assert members[ID[3]].name == "王芳" and members[ID[3]].category == "retired"
    assert members[ID[2]].organization.name == "甲1号楼小组"  # the merged branch cell applied to its rows
    assert members[ID[11]].phone == "025-84561234" and members[ID[11]].notes == "=1+1"
    assert members[ID[12]].status == "probationary" and members[ID[12]].joined_on == D(2025, 3, 1)
    assert members[ID[13]].organization == tree["a1"]
    entries = MemberChange.objects.filter(kind="registration", recorded_by=sec_a)
    assert entries.count() == 6 and all(e.standing == "active" for e in entries)
    assert AuditEntry.objects.filter(action="import", summary__contains="新增6").exists()


def test_importing_the_same_file_again_changes_nothing(tree, sec_a):
    data = messy_roster([good(n) for n in (1, 2, 3)])
    RosterImport(data, "a.xlsx", tree["a"], sec_a).commit()
    before = (
        Member.objects.count(),
        MemberChange.objects.count(),
        list(Member.objects.values_list("version", flat=True)),
    )
    plan, committed = RosterImport(data, "a.xlsx", tree["a"], sec_a).commit()
    assert committed and plan.counts == (0, 0, 3, 0)
    assert (
        Member.objects.count(),
        MemberChange.objects.count(),
        list(Member.objects.values_list("version", flat=True)),
    ) == before


def test_a_changed_row_updates_the_member_and_logs_the_change(tree, sec_a):
    RosterImport(messy_roster([good(1), good(2)]), "a.xlsx", tree["a"], sec_a).commit()
    changed = [good(1, 所在党小组="甲2号楼小组", 联系电话="13900001111"), good(2, 人员类别="其他")]
    plan, committed = RosterImport(messy_roster(changed), "a.xlsx", tree["a"], sec_a).commit()
    assert plan.counts == (0, 2, 0, 0)
    one, two = Member.objects.get(id_number=ID[1]), Member.objects.get(id_number=ID[2])
    assert one.organization == tree["a1g2"] and one.phone == "13900001111" and two.category == "other"
    assert one.changes.filter(kind="move", from_organization=tree["a1g1"]).exists()
    assert two.changes.filter(kind="category_change").exists()
    edit = AuditEntry.objects.get(action="member_edit", object_id=str(one.pk))
    assert edit.changes == {"phone": ["13812348000", "13900001111"]}


def test_a_member_of_another_community_is_refused(tree, sec_a):
    other = new_member(tree["b1g1"], "乙某")
    plan = RosterImport(messy_roster([good(1, 公民身份号码=other.id_number)]), "a.xlsx", tree["a"], sec_a).analyse()
    assert any("已在其他组织登记在册" in reason for _column, reason in plan.rejected[0]["problems"])


def test_an_exported_roster_imports_back_unchanged(tree, sec_a, users):
    RosterImport(messy_roster(ROWS), "a.xlsx", tree["a"], sec_a).commit(valid_only=True)
    book, count = RosterExport(tree["a"]).build()
    buffer = io.BytesIO()
    book.save(buffer)
    assert count == 6
    plan = RosterImport(buffer.getvalue(), "export.xlsx", tree["a"], sec_a).analyse()
    assert plan.counts == (0, 0, 6, 0)
    notes = [
        row[17] for row in load_workbook(io.BytesIO(buffer.getvalue())).active.iter_rows(min_row=4, values_only=True)
    ]
    assert "'=1+1" in notes  # escaped on the way out, read back as the text it was


@pytest.mark.parametrize("target", ["xlsx", "xls"])
def test_files_resaved_by_libreoffice_import_like_the_original(tree, sec_a, tmp_path, target):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip("LibreOffice (libreoffice-calc-nogui) is not installed")
    original = tmp_path / "roster.xlsx"
    original.write_bytes(messy_roster(ROWS))
    out = tmp_path / "out"
    subprocess.run(
        [
            soffice,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            str(original),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    resaved = (out / f"roster.{target}").read_bytes()
    first = RosterImport(original.read_bytes(), "roster.xlsx", tree["a"], sec_a).analyse()
    again = RosterImport(resaved, f"roster.{target}", tree["a"], sec_a).analyse()
    assert problems_by_row(again) == problems_by_row(first)
    assert [(n, v["id_number"], v["organization"], v["joined_on"]) for n, v, _o in again.new] == [
        (n, v["id_number"], v["organization"], v["joined_on"]) for n, v, _o in first.new
    ]


def zip_bytes(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "文件是空的"),
        ("name,id\n张三,1\n".encode(), "文件不是Excel表格"),
        (zip_bytes({"xl/workbook.xml": "<x/>", "big.bin": b"\0" * (201 * 1024 * 1024)}), "解压后体积异常巨大"),
        (zip_bytes({f"f{i}.xml": "x" for i in range(2100)}), "条目过多"),
        (zip_bytes({"word/document.xml": "<x/>"}), "不是Excel表格"),
    ],
)
def test_hostile_files_get_a_clear_message(data, message):
    with pytest.raises(RosterError) as error:
        read_roster(data)
    assert message in str(error.value)


def test_xml_entity_tricks_do_not_expand(tree, sec_a):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;'
        '&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol3;</t></si></sst>'
    )
    book = io.BytesIO(messy_roster([good(1)]))
    out = io.BytesIO()
    with zipfile.ZipFile(book) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = bomb.split("<sst")[0].encode() + data  # a DTD of nested entities before the sheet
            target.writestr(item, data)
    with pytest.raises(RosterError) as error:
        RosterImport(out.getvalue(), "bomb.xlsx", tree["a"], sec_a).analyse()
    assert "不安全的XML声明" in str(error.value)
    assert not Member.objects.exists()


def test_a_sheet_without_a_header_is_explained(tree, sec_a):
    book = Workbook()
    book.active.append(["随便", "什么"])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(RosterError) as error:
        read_roster(buffer.getvalue())
    assert "没有找到表头" in str(error.value)


def test_a_sheet_claiming_a_million_rows_reads_only_its_rows(tree, sec_a):
    data = messy_roster([good(1), good(2)])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(rb'<dimension ref="[A-Z0-9:]+"\s*/>', b'<dimension ref="A1:AMJ1048576"/>', content)
                assert b"1048576" in content
            target.writestr(item, content)
    assert len(read_roster(out.getvalue()).rows) == 2


def test_the_command_prints_rejected_rows_and_fails_when_nothing_is_committed(tree, sec_a, tmp_path, capsys):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(messy_roster(ROWS))
    with pytest.raises(CommandError):
        call_command("import_roster", str(path), "--org", "甲社区党支部", "--user", "sec_a")
    out = capsys.readouterr().out
    assert "第8行\t身份证号\t身份证号校验位错误" in out and "新增 6，更新 0，未变 0，有问题 7" in out
    assert not Member.objects.exists()
    call_command("import_roster", str(path), "--org", str(tree["a"].pk), "--user", "sec_a", "--valid-only")
    assert Member.objects.count() == 6
    target = tmp_path / "export.xlsx"
    call_command("export_roster", str(target), "--org", "甲社区党支部")
    assert load_workbook(target).active["A1"].value == "甲社区党支部党员花名册"
    assert Path(target).stat().st_size > 0


def upload(client, data, org, name="花名册.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/members/import/", {"file": SimpleUploadedFile(name, data), "organization": org.pk})


def test_upload_preview_and_commit_in_the_browser_pages(client, users, tree):
    from members.models import ImportBatch

    client.force_login(users["secretary_a"])
    response = upload(client, messy_roster(ROWS), tree["a"])
    batch = ImportBatch.objects.get()
    assert response["Location"] == f"/members/import/{batch.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert '<strong id="new-count">6</strong>' in page and '<strong id="rejected-count">7</strong>' in page
    assert "身份证号校验位错误" in page and "只导入无误的 6 行" in page
    rejected = load_workbook(io.BytesIO(client.get(f"/members/import/{batch.pk}/rejected.xlsx").content)).active
    assert [row[0] for row in rejected.iter_rows(min_row=4, values_only=True)] == [8, 9, 10, 11, 12, 13, 14]
    assert not Member.objects.exists()
    client.post(f"/members/import/{batch.pk}/commit/")  # all or nothing: refused
    assert not Member.objects.exists()
    client.post(f"/members/import/{batch.pk}/commit/", {"valid_only": "1"})
    batch.refresh_from_db()
    assert batch.status == "committed" and Member.objects.count() == 6 and batch.file_data in (b"", memoryview(b""))


def test_a_non_spreadsheet_upload_is_refused_next_to_the_field(client, users, tree):
    from members.models import ImportBatch

    client.force_login(users["secretary_a"])
    response = upload(client, b"%PDF-1.4 not a roster", tree["a"], "roster.pdf")
    assert "文件不是Excel表格" in response.content.decode() and not ImportBatch.objects.exists()


def test_another_community_cannot_be_imported_into_or_its_batches_seen(client, users, tree):
    client.force_login(users["secretary_b"])
    response = upload(client, messy_roster([good(1)]), tree["a"])
    assert response.status_code == 200 and "organization" in response.context["form"].errors
    client.force_login(users["secretary_a"])
    upload(client, messy_roster([good(1)]), tree["a"])
    from members.models import ImportBatch

    batch = ImportBatch.objects.get()
    client.force_login(users["secretary_b"])
    assert client.get(f"/members/import/{batch.pk}/").status_code == 404
    client.force_login(users["viewer_a"])
    assert client.post(f"/members/import/{batch.pk}/commit/", {"valid_only": "1"}).status_code == 403


def test_the_template_has_dropdowns_text_id_cells_and_instructions(client, users, tree):
    client.force_login(users["secretary_a"])
    book = load_workbook(io.BytesIO(client.get("/members/import/template.xlsx").content))
    assert book.sheetnames == ["花名册", "选项", "填写说明"]
    sheet = book["花名册"]
    assert [c.value for c in sheet[3]][:5] == ["姓名", "性别", "民族", "出生日期", "身份证号"]
    formulas = {v.formula1 for v in sheet.data_validations.dataValidation}
    assert len(formulas) == 7
    branches = [c.value for c in book["选项"]["F"][1:] if c.value]
    assert branches == ["甲第一支部", "甲第二支部"]
    assert sheet["E4"].number_format == "@"


def test_roster_and_change_ledger_exports(client, users, tree, members):
    client.force_login(users["secretary_a"])
    roster = load_workbook(io.BytesIO(client.get("/members/roster.xlsx", {"org": tree["a"].pk}).content)).active
    assert roster["A1"].value == "甲社区党支部党员花名册" and roster.print_title_rows == "$3:$3"
    assert [row[0] for row in roster.iter_rows(min_row=4, values_only=True)] == [members["a"].name]
    ledger = load_workbook(
        io.BytesIO(
            client.get(
                "/members/ledger.xlsx", {"org": tree["a"].pk, "start": "2019-01-01", "end": "2026-12-31"}
            ).content
        )
    ).active
    assert [row[3] for row in ledger.iter_rows(min_row=4, values_only=True)] == ["登记"]
    assert client.get("/members/roster.xlsx", {"org": tree["b"].pk}).status_code == 404
    assert AuditEntry.objects.filter(action="export", username="sec_a").count() == 2


@pytest.mark.django_db(transaction=True)
def run_worker():
    """What ``manage.py worker`` does, until no job is left (its real code, in this process)."""
    call_command("worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)


# Committed data, as between a web server and a worker: the worker's loop also closes a connection
# left inside a transaction, which would end a test's own.
@pytest.mark.django_db(transaction=True)
def test_a_big_file_is_checked_and_written_as_a_background_job(client, users, tree, monkeypatch):
    from members import import_views
    from members.models import ImportBatch

    monkeypatch.setattr(import_views, "BACKGROUND_BYTES", 0)  # every file counts as big here
    client.force_login(users["secretary_a"])
    upload(client, messy_roster([good(n) for n in (1, 2, 3)]), tree["a"])
    batch = ImportBatch.objects.get()
    assert batch.status == "analysing" and batch.task_id is not None
    page = client.get(f"/members/import/{batch.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "<progress" in page and "正在等待后台任务程序接手" in page  # no worker is running yet
    run_worker()
    batch.refresh_from_db()
    assert batch.status == "previewed" and batch.new_count == 3 and not Member.objects.exists()
    client.post(f"/members/import/{batch.pk}/commit/")
    batch.refresh_from_db()
    assert batch.status == "committing" and not Member.objects.exists()
    run_worker()
    batch.refresh_from_db()
    assert batch.status == "committed" and Member.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_worker_died_is_reported_failed_and_can_be_retried(client, users, tree, monkeypatch):
    from django_tasks_db.models import DBTaskResult

    from members import import_views
    from members.models import ImportBatch

    monkeypatch.setattr(import_views, "BACKGROUND_BYTES", 0)
    client.force_login(users["secretary_a"])
    upload(client, messy_roster([good(n) for n in (1, 2, 3)]), tree["a"])
    batch = ImportBatch.objects.get()
    job = DBTaskResult.objects.get(pk=batch.task_id)
    job.claim("a-worker-that-was-killed")  # taken by a worker that then vanished without a heartbeat
    page = client.get(f"/members/import/{batch.pk}/").content.decode()
    batch.refresh_from_db()
    assert batch.status == "failed" and "后台任务中断" in page and "没有写入任何数据" in page
    assert "重新检查" in page and not Member.objects.exists()
    client.post(f"/members/import/{batch.pk}/retry/")
    run_worker()
    batch.refresh_from_db()
    assert batch.status == "previewed" and batch.new_count == 3


def test_a_damaged_legacy_xls_is_explained_in_chinese():
    with pytest.raises(RosterError) as error:
        read_roster(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    assert str(error.value) == "无法读取表格，文件可能已损坏或不是受支持的Excel格式。"
