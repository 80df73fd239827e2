"""Rosters laid out like the ones communities already have go in without hand-editing.

Six layouts, each written from its published description with our own rows: the national
Party-member information system's export, two university templates, two vendor systems' layouts
and a district's form for senior members. Each holds 20 good rows and a few bad ones; every good
row must be accepted with at most one decision for the whole file, every bad row reported with
the right column and reason, as .xlsx and as .xls re-saved by LibreOffice.
"""

import datetime
import io
import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from members.imports import DecisionError, RosterImport
from members.models import ColumnMapping, Member
from members.roster import MappingError, RosterError, read_roster
from portal.identity import make_id_number

D = datetime.date
GOOD = range(1, 21)
EDUCATION = ["大学本科", "大学专科", "研究生", "高中及以下", "中专", "初中及以下", "硕士", "博士及以上", "专科"]
EDUCATION_READ = {
    "大学本科": "bachelor",
    "大学专科": "college",
    "研究生": "postgraduate",
    "高中及以下": "senior",
    "中专": "senior",
    "初中及以下": "junior",
    "硕士": "postgraduate",
    "博士及以上": "postgraduate",
    "专科": "college",
}
POSTS = ["离退休人员", "企业管理人员", "专业技术人员", "下岗失业人员", "农牧渔民", "个体工商户"]
POSTS_READ = ["retired", "in_service", "in_service", "laid_off", "other", "self_employed"]


def birth(n):
    return D(1940 + n, 1 + n % 12, 1 + n % 27)


def ident(n, area="320102"):
    return make_id_number(area, birth(n), n, "M" if n % 2 else "F")


def joined(n):
    # Every seventh member joined last spring and is still probationary.
    return D(2026, 3, 1) if n % 7 == 0 else D(birth(n).year + 25, 7, 1)


def confirmed(n):
    return None if n % 7 == 0 else D(birth(n).year + 26, 7, 1)


def sex(n):
    return "男" if n % 2 else "女"


def ymd(day):
    return f"{day:%Y-%m-%d}" if day else ""


# Each layout: title rows, then {header: value of member n}; bad rows override some cells.
LAYOUTS = {
    "national": {
        "titles": [["党员信息"], ["导出时间：2026-11-30"]],
        "columns": {
            "序号": lambda n: n,
            "姓名": lambda n: f"全国{n}",
            "性别": sex,
            "公民身份号码": ident,
            "民族": lambda n: "回族" if n == 4 else "汉族",
            "出生日期": lambda n: ymd(birth(n)),
            "学历": lambda n: EDUCATION[n % len(EDUCATION)],
            "人员类别": lambda n: "预备党员" if n % 7 == 0 else "正式党员",
            "所在党支部": lambda n: "中共甲社区党支部甲第一支部委员会" if n % 2 else "中共甲社区党支部甲第二支部委员会",
            "入党日期": lambda n: ymd(joined(n)),
            "转正日期": lambda n: ymd(confirmed(n)),
            "工作岗位": lambda n: POSTS[n % len(POSTS)],
            "手机号码": lambda n: f"139{n:08d}",
            "现居住地": lambda n: f"甲社区{n}号楼",
            "是否流动党员": lambda n: "是" if n == 5 else "否",
            "是否失联党员": lambda n: "是" if n == 3 else "否",
        },
        "target": "a",
        "bad": {
            21: ({"公民身份号码": ident(21, area="990101")}, "身份证号", "行政区划"),
            22: ({"出生日期": "1950-01-01"}, "出生日期", "不符"),
            23: ({"转正日期": "1960-01-01"}, "转正时间", "不能早于入党时间"),
            24: ({"所在党支部": "中共乙社区党支部乙第一支部委员会"}, "所在支部", "找不到党支部"),
        },
        "decide": {},
    },
    "university_a": {
        "titles": [["XX大学党员信息统计表"]],
        "columns": {
            "序号": lambda n: n,
            "姓名": lambda n: f"大学甲{n}",
            "性别": sex,
            "民族": lambda n: "汉族",
            "出生年月": lambda n: f"{birth(n):%Y.%m}",
            "身份证号码": ident,
            "入党时间": lambda n: f"{joined(n).year}年{joined(n).month}月",
            "转正时间": lambda n: f"{confirmed(n).year}年{confirmed(n).month}月" if confirmed(n) else "",
            "党籍状态（正式党员或预备党员）": lambda n: "预备党员" if n % 7 == 0 else "正式党员",
            "学历": lambda n: EDUCATION[n % len(EDUCATION)],
            "工作/学习单位": lambda n: "XX大学",
            "联系电话": lambda n: f"139{n:08d}",
            "备注": lambda n: "",
        },
        "target": "a1",
        "bad": {
            21: ({"身份证号码": ident(21, area="990101")}, "身份证号", "行政区划"),
            22: ({"出生年月": "1950.01"}, "出生日期", "不符"),
            23: ({"转正时间": "1960年1月"}, "转正时间", "不能早于入党时间"),
        },
        "decide": {"category": "in_service"},
    },
    "university_b": {
        "titles": [],
        "columns": {
            "序号": lambda n: n,
            "姓名": lambda n: f"大学乙{n}",
            "身份证号": ident,
            "性别": sex,
            "出生时间": lambda n: f"{birth(n):%Y/%m/%d}",
            "入党年月": lambda n: int(f"{joined(n):%Y%m}"),
            "预/正": lambda n: "预" if n % 7 == 0 else "正",
            "编入党支部": lambda n: "甲第一支部",
            "人员类别": lambda n: ["在编", "聘用", "合同制"][n % 3],  # a staffing type: not ours
            "最高学历": lambda n: EDUCATION[n % len(EDUCATION)],
            "工作/学习单位": lambda n: "XX大学",
            "手机号码": lambda n: f"139{n:08d}",
        },
        "target": "a",
        "bad": {
            21: ({"身份证号": ident(21, area="990101")}, "身份证号", "行政区划"),
            22: ({"编入党支部": "乙第一支部"}, "所在支部", "找不到党支部"),
            23: ({"入党年月": 195001}, "入党时间", "年满18周岁"),
        },
        "decide": {"category": "in_service"},
    },
    "vendor_a": {
        "titles": [["党员信息导入模板"]],
        "columns": {
            "党员姓名": lambda n: f"厂商甲{n}",
            "公民身份证号": ident,
            "性别": sex,
            "民族": lambda n: "汉族",
            "出生日期": birth,
            "学历": lambda n: EDUCATION[n % len(EDUCATION)],
            "人员类别": lambda n: ["在职", "离退休", "下岗失业", "个体"][n % 4],
            "正式/预备": lambda n: "预备" if n % 7 == 0 else "正式",
            "所属党支部": lambda n: "甲第一支部",
            "所属党小组": lambda n: "甲1号楼小组" if n % 2 else "甲2号楼小组",
            "加入党组织日期": joined,
            "转为正式党员日期": confirmed,
            "家庭住址": lambda n: f"甲社区{n}号楼",
            "联系方式": lambda n: f"139{n:08d}",
        },
        "target": "a",
        "bad": {
            21: ({"公民身份证号": ident(21, area="990101")}, "身份证号", "行政区划"),
            22: ({"出生日期": D(1950, 1, 1)}, "出生日期", "不符"),
            23: ({"所属党小组": "乙1号楼小组"}, "所在党小组", "找不到党小组"),
        },
        "decide": {},
    },
    "vendor_b": {
        "titles": [["党员花名册"], ["单位：甲社区"]],
        "columns": {
            "姓名": lambda n: f"厂商乙{n}",
            "身份证号码": ident,
            "性别": sex,
            "出生年月": lambda n: f"{birth(n):%Y-%m}",
            "党籍状态": lambda n: "预备党员" if n % 7 == 0 else "正式党员",
            "支部名称": lambda n: "甲第二支部",
            "入党日期": lambda n: float(f"{joined(n):%Y.%m}"),  # 1985.07 typed into a number cell
            "成为正式党员时间": lambda n: ymd(confirmed(n)),
            "人员类别": lambda n: "退休" if n % 2 else "在职",
            "工作单位及职务": lambda n: "某公司 职员",
            "居住地址": lambda n: f"甲社区{n}号楼",
            "手机号码": lambda n: f"139{n:08d}",
        },
        "target": "a",
        "bad": {
            21: ({"身份证号码": ident(21, area="990101")}, "身份证号", "行政区划"),
            22: ({"成为正式党员时间": "1960-01-01"}, "转正时间", "不能早于入党时间"),
        },
        "decide": {},
    },
    "seniors": {
        "titles": [["XX区老党员基本情况登记表"], ["街道（盖章）：", None, None, "填报日期："]],
        "columns": {
            "序号": lambda n: n,
            "姓名": lambda n: f"老党员{n}",
            "性别": sex,
            "身份证号": ident,
            "出生年月": lambda n: f"{birth(n).year}年{birth(n).month}月",
            "入党时间": lambda n: f"{birth(n).year + 20}年3月",
            "党龄": lambda n: 2026 - birth(n).year - 20,
            "居住地址": lambda n: f"甲社区{n}号楼",
            "联系电话": lambda n: f"139{n:08d}",
            "备注": lambda n: "",
        },
        "target": "a2",
        "bad": {
            21: ({"身份证号": ident(21, area="990101")}, "身份证号", "行政区划"),
            22: ({"出生年月": "1930年1月"}, "出生日期", "不符"),
        },
        "decide": {"category": "retired"},
    },
}


def build(layout, extra_rows=()):
    spec = LAYOUTS[layout]
    headers = list(spec["columns"])
    book = Workbook()
    sheet = book.active
    for title in spec["titles"]:
        sheet.append(title)
    sheet.append(headers)
    first_data_row = sheet.max_row + 1
    for n in GOOD:
        sheet.append([spec["columns"][h](n) for h in headers])
    for n, (overrides, _column, _reason) in spec["bad"].items():
        sheet.append([overrides.get(h, spec["columns"][h](n)) for h in headers])
    for row in extra_rows:
        sheet.append(row)
    for row in sheet.iter_rows(min_row=first_data_row):
        for cell in row:
            if isinstance(cell.value, str):
                cell.number_format = "@"  # IDs and phones as text, as the templates set them
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def bad_row_numbers(layout):
    spec = LAYOUTS[layout]
    first = len(spec["titles"]) + 2  # titles, the header, then the data
    return {first + n - 1: (column, reason) for n, (_o, column, reason) in spec["bad"].items()}


def check_layout(layout, data, tree, user):
    """The whole journey of one file: preview, at most one decision, commit, the register."""
    spec = LAYOUTS[layout]
    target = tree[spec["target"]]
    plan = RosterImport(data, f"{layout}.xlsx", target, user).analyse()
    assert set(plan.pending) == set(spec["decide"]), plan.pending
    assert len(plan.pending) <= 1
    reported = {entry["row"]: entry["problems"] for entry in plan.rejected}
    expected = bad_row_numbers(layout)
    assert set(reported) == set(expected), reported
    for row, (column, reason) in expected.items():
        assert [c for c, _r in reported[row]] == [column], reported[row]
        assert reason in reported[row][0][1]
    assert plan.counts == (20, 0, 0, len(expected))
    assert not Member.objects.exists()
    plan, committed = RosterImport(data, f"{layout}.xlsx", target, user, decisions=spec["decide"]).commit(
        valid_only=True
    )
    assert committed and plan.counts == (20, 0, 0, len(expected))
    members = {m.id_number: m for m in Member.objects.select_related("organization")}
    assert set(members) == {ident(n) for n in GOOD}
    for n in GOOD:
        member = members[ident(n)]
        assert member.organization.path.startswith(target.path)
        assert member.birth_date == birth(n) and member.gender == ("M" if n % 2 else "F")
        assert member.status == ("full" if layout == "seniors" or n % 7 else "probationary")
    return members


@pytest.fixture
def sec_a(users):
    return users["secretary_a"]


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_each_layout_imports_every_good_row_and_reports_every_bad_one(layout, tree, sec_a):
    check_layout(layout, build(layout), tree, sec_a)


def test_the_national_export_fills_every_column_the_register_has(tree, sec_a):
    members = check_layout("national", build("national"), tree, sec_a)
    for n in GOOD:
        member = members[ident(n)]
        assert member.category == POSTS_READ[n % len(POSTS)]  # from 工作岗位
        assert member.education == EDUCATION_READ[EDUCATION[n % len(EDUCATION)]]
        assert member.joined_on == joined(n) and member.confirmed_on == confirmed(n)
        assert member.address == f"甲社区{n}号楼" and member.phone == f"139{n:08d}"
        assert member.organization == (tree["a1"] if n % 2 else tree["a2"])  # full names of the branches
    assert members[ident(4)].ethnicity == "回族"
    assert [m.pk for m in members.values() if m.lost_contact] == [members[ident(3)].pk]
    assert [m.pk for m in members.values() if m.marked_mobile] == [members[ident(5)].pk]


def test_flags_become_attention_items(tree, sec_a):
    from members.attention import BY_KEY

    check_layout("national", build("national"), tree, sec_a)
    lost = BY_KEY["lost_contact"].apply(Member.objects.current())
    mobile = BY_KEY["marked_mobile"].apply(Member.objects.current())
    assert [m.id_number for m in lost] == [ident(3)] and [m.id_number for m in mobile] == [ident(5)]


def test_a_senior_form_without_status_is_read_as_full_by_rule(tree, sec_a):
    plan = RosterImport(build("seniors"), "seniors.xlsx", tree["a2"], sec_a).analyse()
    assert plan.inferred == {"status_full": 20} and "status" not in plan.pending


def test_a_staffing_type_under_the_name_of_a_category_is_not_read(tree, sec_a):
    sheet = read_roster(build("university_b"))
    reading = {column.header: (column.field, column.how) for column in sheet.report}
    assert reading["人员类别"] == ("", "")
    assert reading["预/正"] == ("status", "name") and reading["入党年月"] == ("joined_on", "name")
    national = {c.header: (c.field, c.how) for c in read_roster(build("national")).report}
    assert national["人员类别"] == ("status", "values") and national["工作岗位"] == ("category", "values")


@pytest.fixture(scope="module")
def resaved_as_xls(tmp_path_factory):
    """Every layout re-saved as .xls by LibreOffice, in one run of it."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.fail("LibreOffice (libreoffice-calc-nogui) is not installed; bin/test installs it")
    folder = tmp_path_factory.mktemp("layouts")
    paths = []
    for layout in LAYOUTS:
        path = folder / f"{layout}.xlsx"
        path.write_bytes(build(layout))
        paths.append(str(path))
    out = folder / "xls"
    command = [soffice, "--headless", f"-env:UserInstallation=file://{folder}/profile", "--convert-to", "xls"]
    subprocess.run([*command, "--outdir", str(out), *paths], check=True, capture_output=True, timeout=300)
    return {layout: (out / f"{layout}.xls").read_bytes() for layout in LAYOUTS}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_each_layout_resaved_as_xls_imports_the_same(layout, tree, sec_a, resaved_as_xls):
    assert resaved_as_xls[layout][:4] == b"\xd0\xcf\x11\xe0"
    check_layout(layout, resaved_as_xls[layout], tree, sec_a)


# -- what the file cannot tell: mapping and decisions ----------------------------------------------


def unknown_column_roster():
    """The national layout with 工作岗位 under a name nobody uses."""
    data = build("national")
    book = Workbook()
    from openpyxl import load_workbook

    source = load_workbook(io.BytesIO(data)).active
    sheet = book.active
    for row in source.iter_rows(values_only=True):
        sheet.append(["岗位类别（本单位）" if value == "工作岗位" else value for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_column_not_recognised_can_be_mapped_and_the_mapping_is_remembered(tree, sec_a):
    data = unknown_column_roster()
    plan = RosterImport(data, "a.xlsx", tree["a"], sec_a).analyse()
    assert "岗位类别（本单位）" in plan.extra_columns and plan.pending == {"category": 20}
    position = next(c["position"] for c in plan.columns if c["header"] == "岗位类别（本单位）")
    mapping = {str(position): "category"}
    plan, committed = RosterImport(data, "a.xlsx", tree["a"], sec_a, mapping=mapping).commit(valid_only=True)
    assert committed and not plan.pending
    assert Member.objects.get(id_number=ident(1)).category == POSTS_READ[1]
    # The next file with the same header row is read with the same mapping, unasked.
    ColumnMapping.remember(tree["a"], plan.signature, mapping, sec_a)
    again = RosterImport(data, "b.xlsx", tree["a"], sec_a).analyse()
    assert again.mapping == mapping and again.counts == (0, 0, 20, 4)
    elsewhere = RosterImport(data, "b.xlsx", tree["a1"], sec_a).analyse()
    assert elsewhere.mapping == {}  # remembered for the organization it was used in


def test_two_columns_for_one_field_are_refused():
    data = build("national")
    with pytest.raises(MappingError, match="两列都对应到了“联系电话”"):
        read_roster(data, mapping={"12": "phone", "13": "phone"})


def test_a_default_branch_outside_the_target_or_scope_is_refused(tree, users):
    data = build("university_a")
    with pytest.raises(DecisionError, match="不在导入范围"):
        RosterImport(data, "a.xlsx", tree["a"], users["secretary_a"], decisions={"branch": tree["b1"].pk}).analyse()
    with pytest.raises(DecisionError):
        RosterImport(data, "a.xlsx", tree["a"], users["branch_a1"], decisions={"branch": tree["a2"].pk}).analyse()


def test_a_file_without_an_id_column_names_the_columns_it_found():
    book = Workbook()
    book.active.append(["序号", "姓名", "性别", "联系电话"])
    book.active.append([1, "张三", "男", "13900000001"])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(RosterError, match="没有找到身份证号列.*序号、姓名、性别、联系电话"):
        read_roster(buffer.getvalue())


def test_an_id_column_under_an_unknown_name_is_found_by_its_values():
    book = Workbook()
    book.active.append(["姓名", "证件号（18位）", "性别"])
    for n in GOOD:
        book.active.append([f"某{n}", ident(n), sex(n)])
    buffer = io.BytesIO()
    book.save(buffer)
    sheet = read_roster(buffer.getvalue())
    assert sheet.columns["id_number"] == 1
    assert [c.how for c in sheet.report if c.field == "id_number"] == ["values"]


def test_blank_cells_never_erase_the_register(tree, sec_a):
    check_layout("vendor_a", build("vendor_a"), tree, sec_a)
    member = Member.objects.get(id_number=ident(1))
    thin = Workbook()
    thin.active.append(["姓名", "身份证号", "联系电话", "所在支部", "人员类别"])
    thin.active.append([member.name, member.id_number, "", "", ""])
    buffer = io.BytesIO()
    thin.save(buffer)
    plan, committed = RosterImport(buffer.getvalue(), "thin.xlsx", tree["a"], sec_a).commit()
    assert committed and plan.counts == (0, 0, 1, 0)
    after = Member.objects.get(pk=member.pk)
    assert (after.phone, after.organization_id, after.category) == (
        member.phone,
        member.organization_id,
        member.category,
    )


def test_the_command_line_takes_a_mapping_and_defaults(tree, sec_a, tmp_path, capsys):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(unknown_column_roster())
    with pytest.raises(CommandError, match="有需要决定的事项"):
        call_command("import_roster", str(path), "--org", tree["a"].name, "--user", "sec_a", "--valid-only")
    assert "20 行未写明人员类别" in capsys.readouterr().out
    call_command(
        "import_roster",
        str(path),
        "--org",
        tree["a"].name,
        "--user",
        "sec_a",
        "--valid-only",
        "--map",
        "岗位类别（本单位）=category",
    )
    assert Member.objects.count() == 20


def test_the_command_line_takes_defaults_for_what_the_file_leaves_open(tree, sec_a, tmp_path):
    university = tmp_path / "university.xlsx"
    university.write_bytes(build("university_a"))
    call_command(
        "import_roster",
        str(university),
        "--org",
        tree["a"].name,
        "--user",
        "sec_a",
        "--valid-only",
        "--default",
        "branch=甲第二支部",
        "--default",
        "category=离退休",
    )
    assert set(Member.objects.values_list("organization__name", "category").distinct()) == {("甲第二支部", "retired")}


# -- the preview page ------------------------------------------------------------------------------


def upload(client, data, org):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/members/import/", {"file": SimpleUploadedFile("roster.xlsx", data), "organization": org.pk}
    )
    assert response.status_code == 302
    from members.models import ImportBatch

    return ImportBatch.objects.latest("id")


def reading_post(batch, **choices):
    data = {f"column_{c['position']}": c["field"] for c in batch.columns}
    return {**data, **choices}


def test_the_preview_asks_once_and_records_the_decision_on_the_batch(client, tree, sec_a):
    client.force_login(sec_a)
    batch = upload(client, build("university_a"), tree["a"])
    assert batch.pending == {"branch": 20, "category": 20}
    page = client.get(f"/members/import/{batch.pk}/").content.decode()
    assert "20 行没有所在支部" in page and "20 行没有人员类别" in page
    refused = client.post(f"/members/import/{batch.pk}/commit/", {"valid_only": "1"})
    assert refused.status_code == 302 and not Member.objects.exists()
    response = client.post(
        f"/members/import/{batch.pk}/reading/", reading_post(batch, branch=tree["a2"].pk, category="retired")
    )
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.pending == {} and batch.decisions == {"branch": tree["a2"].pk, "category": "retired"}
    assert batch.status == "previewed" and not Member.objects.exists()  # nothing written before the commit
    page = client.get(f"/members/import/{batch.pk}/").content.decode()
    assert "未填支部的编入甲第二支部" in page and "未填人员类别的按离退休" in page
    client.post(f"/members/import/{batch.pk}/commit/", {"valid_only": "1"})
    assert Member.objects.filter(organization=tree["a2"], category="retired").count() == 20


def test_the_preview_refuses_two_columns_for_one_field_and_a_branch_outside_scope(client, tree, users):
    client.force_login(users["secretary_a"])
    batch = upload(client, build("university_a"), tree["a"])
    phone = next(c["position"] for c in batch.columns if c["field"] == "phone")
    notes = next(c["position"] for c in batch.columns if c["field"] == "notes")
    response = client.post(
        f"/members/import/{batch.pk}/reading/", reading_post(batch, **{f"column_{notes}": "phone"}, category="other")
    )
    assert response.status_code == 400 and "两列都对应到了“联系电话”" in response.content.decode()
    assert phone != notes
    response = client.post(
        f"/members/import/{batch.pk}/reading/", reading_post(batch, branch=tree["b1"].pk, category="other")
    )
    assert response.status_code == 400 and "选择一个有效的选项" in response.content.decode()
    batch.refresh_from_db()
    assert batch.decisions == {} and batch.mapping == {}


def test_the_member_page_shows_what_the_roster_left_out(client, tree, sec_a):
    check_layout("university_b", build("university_b"), tree, sec_a)
    member = Member.objects.get(id_number=ident(3))
    assert member.joined_on and not member.address
    client.force_login(sec_a)
    page = client.get(f"/members/{member.pk}/").content.decode()
    assert "档案待补全" in page and "缺家庭住址" in page and "缺入党时间" not in page


def test_branch_names_the_register_does_not_know_are_mapped_once_per_name(client, tree, sec_a):
    data = build("vendor_b")  # every row in 甲第二支部
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    for row in book.active.iter_rows():
        for cell in row:
            if cell.value == "甲第二支部":
                cell.value = "第二网格支部"
    buffer = io.BytesIO()
    book.save(buffer)
    client.force_login(sec_a)
    batch = upload(client, buffer.getvalue(), tree["a"])
    assert batch.unknown_places == {"第二网格支部": 22} and batch.rejected_count == 22
    page = client.get(f"/members/import/{batch.pk}/").content.decode()
    assert "文件中的“第二网格支部”（22行）对应" in page
    client.post(f"/members/import/{batch.pk}/reading/", reading_post(batch, place_0=tree["a2"].pk))
    batch.refresh_from_db()
    assert batch.decisions == {"branch_names": {"第二网格支部": tree["a2"].pk}}
    assert (batch.new_count, batch.rejected_count, batch.unknown_places) == (20, 2, {})
    assert "“第二网格支部”即甲第二支部" in client.get(f"/members/import/{batch.pk}/").content.decode()
    refused = client.post(f"/members/import/{batch.pk}/reading/", reading_post(batch, place_0=tree["b1"].pk))
    assert refused.status_code == 400


def test_the_rejected_rows_are_for_the_uploader_and_writers_only(client, tree, users):
    client.force_login(users["secretary_a"])
    batch = upload(client, build("national"), tree["a"])
    url = f"/members/import/{batch.pk}/rejected.xlsx"
    assert client.get(url).status_code == 200
    client.force_login(users["viewer_a"])  # may see the batch, may not change the community
    assert client.get(url).status_code == 403
    client.force_login(users["secretary_b"])  # another community: the batch does not exist for them
    assert client.get(url).status_code == 404
    client.force_login(users["branch_a1"])  # a batch of the whole community is above a branch's scope
    assert client.get(url).status_code == 404
