"""Resident units, service teams and activities in and out of the admin as xlsx (django-import-export),
through the same access rule: exports hold the user's scope with formula-like cells escaped, an
import reaches only what the user may change and checks every row with the model's own rules."""

import datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from portal.models import AuditEntry
from services.models import Activity, ResidentUnit, ServiceEntry, ServiceTeam

SH = ZoneInfo("Asia/Shanghai")
UNIT_HEADER = ["编号", "所在社区", "单位名称", "联系人", "联系电话", "单位党组织", "可提供资源", "资源说明", "需求"]


def xlsx(header, *rows):
    book = Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("import.xlsx", buffer.getvalue())


def import_file(client, model, upload):
    """The admin's two steps: upload (a dry run that lists each row's fate), then confirm."""
    url = f"/admin/services/{model}/import/"
    checked = client.post(url, {"import_file": upload, "format": "0", "resource": "0"})
    assert checked.status_code == 200
    confirm = checked.context.get("confirm_form")
    if confirm is None:
        return checked, None
    done = client.post(f"/admin/services/{model}/process_import/", confirm.initial)
    return checked, done


def row_errors(response):
    result = response.context["result"]
    messages = [str(error.error) for error in result.base_errors]
    for row in result.invalid_rows:
        messages += [str(message) for messages_ in row.error_dict.values() for message in messages_]
    for _number, errors in result.row_errors():
        messages += [str(error.error) for error in errors]
    return messages


def export(client, model, fields):
    data = {"format": "0", "resource": "0", **{f"{model}resource_{field}": "on" for field in fields}}
    response = client.post(f"/admin/services/{model}/export/", data)
    assert response.status_code == 200, response.status_code
    return response


UNIT_FIELDS = ["id", "organization", "name", "contact_name", "contact_phone", "party_organization", "offers"]
UNIT_FIELDS += ["offers_note", "asks"]


def test_an_exported_formula_comes_out_as_text(client, users, tree):
    ResidentUnit.objects.create(
        organization=tree["a"],
        name='=HYPERLINK("http://example.com/x","点我")',
        contact_name="==1+1",
        party_organization="+SUM(A1:A9)",
        asks="@cmd",
        offers_note="-2+3",
    )
    ResidentUnit.objects.create(organization=tree["b"], name="乙社区超市")
    client.force_login(users["secretary_a"])
    response = export(client, "residentunit", UNIT_FIELDS)
    sheet = load_workbook(BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]] == UNIT_HEADER
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == 1  # community B's unit is not the secretary's to export
    cells = {sheet.cell(1, cell.column).value: cell for cell in rows[0]}
    assert cells["单位名称"].data_type != "f"
    assert cells["单位名称"].value == '\'=HYPERLINK("http://example.com/x","点我")'
    for name in ("单位名称", "联系人", "单位党组织", "需求", "资源说明"):
        assert cells[name].data_type == "s" and not str(cells[name].value).startswith(("=", "+", "-", "@")), name
    assert AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT, summary__contains="驻区单位").count() == 1


def test_the_formula_escaping_setting_stays_on(settings):
    from django.conf import settings as live

    assert live.IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT is True


def test_an_import_creates_units_in_the_users_community(client, users, tree):
    client.force_login(users["secretary_a"])
    upload = xlsx(
        UNIT_HEADER,
        [
            None,
            "甲社区党支部",
            "县第一中学",
            "陈老师",
            "0591-22223333",
            "县第一中学党总支",
            "运动场地、会议室",
            "",
            "社会实践",
        ],
        ["", "甲社区党支部", "县图书馆", "", "", "", "活动场所", "", ""],
    )
    checked, done = import_file(client, "residentunit", upload)
    assert done is not None and done.status_code == 302, row_errors(checked)
    units = {unit.name: unit for unit in ResidentUnit.objects.all()}
    assert set(units) == {"县第一中学", "县图书馆"}
    assert units["县第一中学"].organization == tree["a"] and units["县第一中学"].offers == ["sports", "meeting_room"]


def test_an_import_cannot_create_a_row_in_another_community(client, users, tree):
    client.force_login(users["secretary_a"])
    upload = xlsx(
        UNIT_HEADER,
        ["", "甲社区党支部", "县第一中学", "", "", "", "", "", ""],
        ["", "乙社区党支部", "乙社区超市", "", "", "", "", "", ""],
    )
    checked, done = import_file(client, "residentunit", upload)
    assert done is None
    assert any("“乙社区党支部”不是您管理范围内的社区" in message for message in row_errors(checked))
    assert ResidentUnit.objects.count() == 0  # the whole file is refused: nothing saved


def test_an_import_cannot_update_another_communitys_row_through_its_number(client, users, tree):
    theirs = ResidentUnit.objects.create(organization=tree["b"], name="乙社区超市")
    mine = ResidentUnit.objects.create(organization=tree["a"], name="县医院")
    client.force_login(users["secretary_a"])
    upload = xlsx(UNIT_HEADER, [theirs.pk, "甲社区党支部", "被改名了", "", "", "", "", "", ""])
    checked, done = import_file(client, "residentunit", upload)
    assert done is None
    assert any(f"编号{theirs.pk}不存在或不在您的管理范围内" in message for message in row_errors(checked))
    theirs.refresh_from_db()
    assert (theirs.name, theirs.organization) == ("乙社区超市", tree["b"])
    upload = xlsx(UNIT_HEADER, [mine.pk, "甲社区党支部", "县人民医院", "林主任", "", "", "志愿者", "", ""])
    checked, done = import_file(client, "residentunit", upload)
    assert done is not None, row_errors(checked)
    mine.refresh_from_db()
    assert (mine.name, mine.contact_name, mine.offers) == ("县人民医院", "林主任", ["volunteers"])
    assert ResidentUnit.objects.count() == 2


def test_bad_cells_are_named_and_nothing_is_saved(client, users, tree):
    client.force_login(users["secretary_a"])
    upload = xlsx(
        UNIT_HEADER,
        ["", "甲社区党支部", "", "", "", "", "", "", ""],
        ["", "甲社区党支部", "县医院", "", "打这个电话", "", "城堡", "", ""],
    )
    checked, done = import_file(client, "residentunit", upload)
    assert done is None
    messages = row_errors(checked)
    assert "请填写单位名称。" in messages
    assert any("请填写正确的联系电话" in message for message in messages)
    assert any(message.startswith("请填写以下之一：活动场所") for message in messages)
    assert ResidentUnit.objects.count() == 0


def test_teams_and_activities_are_imported_by_their_labels_and_checked_by_their_rules(client, users, tree, members):
    client.force_login(users["secretary_a"])
    header = ["编号", "所属组织", "队名", "类型", "成立日期", "解散日期", "简介"]
    upload = xlsx(header, ["", "甲第一支部", "甲社区平安巡逻队", "平安巡逻队", "2021-03-05", "", "夜间巡逻"])
    checked, done = import_file(client, "serviceteam", upload)
    assert done is not None, row_errors(checked)
    team = ServiceTeam.objects.get()
    assert (team.organization, team.kind, team.founded_on) == (tree["a1"], "patrol", datetime.date(2021, 3, 5))
    bad = xlsx(header, ["", "甲第一支部", "新队", "巡逻", "2021-03-05", "2020-01-01", ""])
    messages = row_errors(import_file(client, "serviceteam", bad)[0])
    assert any("请填写以下之一" in message for message in messages)
    assert "解散日期不能早于成立日期。" in messages

    header = ["编号", "组织单位", "服务队", "活动名称", "活动类型", "便民服务项目", "开始时间", "结束时间", "地点"]
    header += ["每人计服务时长（分钟）", "服务群众（人次）", "活动内容", "共建协议"]
    upload = xlsx(
        header,
        ["", "甲社区党支部", "甲社区平安巡逻队", "夜间巡逻", "治安巡逻", "", "2024-05-01 19:00", "2024-05-01 21:00"]
        + ["小区", 120, 0, "", ""],
        ["", "甲社区党支部", "", "义诊", "便民服务", "", "2024-05-02 09:00", "", "", 120, 30, "", ""],
    )
    messages = row_errors(import_file(client, "activity", upload)[0])
    assert "便民服务请选择服务项目。" in messages
    assert Activity.objects.count() == 0
    upload = xlsx(
        header,
        ["", "甲社区党支部", "甲社区平安巡逻队", "夜间巡逻", "治安巡逻", "", "2024-05-01 19:00", "2024-05-01 21:00"]
        + ["小区", 120, 0, "", ""],
    )
    checked, done = import_file(client, "activity", upload)
    assert done is not None, row_errors(checked)
    activity = Activity.objects.get()
    assert (activity.team, activity.starts_at, activity.created_by) == (
        team,
        datetime.datetime(2024, 5, 1, 19, tzinfo=SH),
        users["secretary_a"],
    )
    ServiceEntry.objects.create(
        member=members["a"],
        organization=tree["a"],
        activity=activity,
        served_on=datetime.date(2024, 5, 1),
        minutes=120,
    )
    moved = xlsx(
        header,
        [activity.pk, "甲社区党支部", "甲社区平安巡逻队", "夜间巡逻", "治安巡逻", "", "2024-05-03 19:00", ""]
        + ["小区", 120, 0, "", ""],
    )
    assert "已登记参加人员的活动不能修改日期。" in row_errors(import_file(client, "activity", moved)[0])
    activity.refresh_from_db()
    assert activity.day == datetime.date(2024, 5, 1)


def test_a_viewer_may_export_but_not_import(client, users, tree):
    ResidentUnit.objects.create(organization=tree["a"], name="县医院")
    client.force_login(users["viewer_a"])
    assert client.get("/admin/services/residentunit/import/").status_code == 403
    upload = xlsx(UNIT_HEADER, ["", "甲社区党支部", "县第一中学", "", "", "", "", "", ""])
    response = client.post(
        "/admin/services/residentunit/import/", {"import_file": upload, "format": "0", "resource": "0"}
    )
    assert response.status_code == 403
    assert client.post("/admin/services/residentunit/process_import/", {}).status_code == 403
    assert ResidentUnit.objects.count() == 1
    assert export(client, "residentunit", UNIT_FIELDS).status_code == 200


@pytest.mark.parametrize("model", ["residentunit", "serviceteam", "activity"])
def test_the_change_forms_offer_only_organizations_the_user_may_write_to(client, users, tree, model):
    client.force_login(users["secretary_a"])
    form = client.get(f"/admin/services/{model}/add/").context["adminform"].form
    offered = set(form.fields["organization"].queryset)
    assert tree["a"] in offered and tree["b"] not in offered and tree["street"] not in offered


def test_an_activity_cannot_be_tied_to_another_communitys_agreement_in_the_admin(client, users, tree):
    from services.models import CoBuildingAgreement
    from tests.helpers import admin_form_data

    unit_b = ResidentUnit.objects.create(organization=tree["b"], name="乙社区超市")
    agreement_b = CoBuildingAgreement.objects.create(
        unit=unit_b, organization=tree["b"], title="乙社区共建协议", starts_on=datetime.date(2024, 1, 1)
    )
    activity = Activity.objects.create(
        organization=tree["a"], title="义诊", starts_at=datetime.datetime(2024, 5, 1, 9, tzinfo=SH)
    )
    client.force_login(users["street"])
    url = f"/admin/services/activity/{activity.pk}/change/"
    data = admin_form_data(client.get(url), agreement=agreement_b.pk, starts_at_0="2024-05-01", starts_at_1="09:00")
    data.update(ends_at_0="", ends_at_1="")
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["agreement"] == ["共建协议不属于本社区。"]
    activity.refresh_from_db()
    assert activity.agreement is None
    data["agreement"] = ""
    data["title"] = "联合义诊"
    saved = client.post(url, data)
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    activity.refresh_from_db()
    assert activity.title == "联合义诊"
