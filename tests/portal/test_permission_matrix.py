"""Every URL × every role: scope violations answer 404, read-only roles 403 on writes, and a full
ID number or phone appears only where the disclosure rule (members/disclosure.py) lets that role see it."""

import datetime

import pytest

from councils.models import AppraisalRound, Attachment, FollowUpTask, Meeting, MonthlyTheme, ScheduleRule
from members.models import MemberChange
from services.models import Activity, ServiceEntry, ServiceTeam, TeamMembership
from tests.helpers import response_text

ROLES = ["street", "secretary_a", "secretary_b", "viewer_a", "anonymous"]
# The last column: which full numbers of a member ("id", "phone") a role finds in the response. Only
# roles with the reveal right on the member's organization see a full phone; a full ID number only
# where the reveal is audited (the reveal endpoint, print view, xlsx exports).
NOTHING = {}


def service_objects(tree, members):
    """One of each services record in community A (made once per test)."""
    entry_a = ServiceEntry.objects.filter(member=members["a"]).first()
    if entry_a is None:
        entry_a = ServiceEntry.objects.create(
            member=members["a"], organization=tree["a"], served_on=datetime.date(2024, 5, 1), minutes=120
        )
    team_a = ServiceTeam.objects.filter(organization=tree["a"]).first()
    if team_a is None:
        team_a = ServiceTeam.objects.create(organization=tree["a"], name="甲社区党员志愿服务队")
        TeamMembership.objects.create(team=team_a, member=members["a"], joined_on=datetime.date(2024, 1, 1))
        activity = Activity.objects.create(
            organization=tree["a"],
            team=team_a,
            title="清理楼道",
            starts_at=datetime.datetime(2024, 5, 1, 9, tzinfo=datetime.UTC),
        )
        ServiceEntry.objects.create(
            member=members["a"],
            organization=tree["a"],
            activity=activity,
            served_on=datetime.date(2024, 5, 1),
            minutes=120,
        )
    return {
        "entry_a": entry_a,
        "team_a": team_a,
        "activity_a": Activity.objects.get(team=team_a),
        "membership_a": team_a.memberships.get(),
    }


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the meeting attachment the matrix serves


def council_objects(tree, members):
    """A general meeting of branch A1 (with its list, an attachment and a decision-free record), a
    committee meeting still waiting for its list, and A1's appraisal round (made once per test)."""
    from django.core.files.base import ContentFile

    meeting = Meeting.objects.filter(organization=tree["a1"], kind="general").first()
    if meeting is None:
        meeting = Meeting.objects.create(organization=tree["a1"], kind="general", held_on=datetime.date(2024, 6, 1))
        meeting.freeze_attendance()
        attachment = Attachment(meeting=meeting, content_type="image/png", size=16, original_name="photo.png")
        attachment.file.save("photo.png", ContentFile(b"\x89PNG\r\n\x1a\n" + b"\x00" * 8), save=False)
        attachment.save()
        Meeting.objects.create(organization=tree["a1"], kind="committee", held_on=datetime.date(2024, 6, 2))
        appraisal_round = AppraisalRound.objects.create(organization=tree["a1"], year=2024)
        appraisal_round.enrol()
    return {
        "meeting_a": meeting,
        "committee_a": Meeting.objects.get(organization=tree["a1"], kind="committee"),
        "attachment_a": meeting.attachments.get(),
        "round_a": AppraisalRound.objects.get(organization=tree["a1"]),
    }


def council_urls(tree, members):
    c = council_objects(tree, members)
    meeting = f"/councils/meetings/{c['meeting_a'].pk}"
    org_a = f"org={tree['a'].pk}"
    everyone = dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200)
    in_a = dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200)
    write_a = dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403)
    write_any = dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403)
    moved_a = dict(street=302, secretary_a=302, secretary_b=404, viewer_a=403)
    return {
        "meetings": ("get", "/councils/meetings/", everyone, NOTHING),
        "meetings of A": ("get", f"/councils/meetings/?{org_a}&start=2024-01-01&end=2024-12-31", in_a, NOTHING),
        "new meeting": ("get", "/councils/meetings/new/", write_any, NOTHING),
        "save new meeting": ("post", "/councils/meetings/new/", write_any, NOTHING),
        "meeting A": ("get", f"{meeting}/", in_a, NOTHING),
        "edit meeting A": ("get", f"{meeting}/edit/", write_a, NOTHING),
        "save meeting A": ("post", f"{meeting}/edit/", write_a, NOTHING),
        "committee of A": ("get", f"/councils/meetings/{c['committee_a'].pk}/expected/", write_a, NOTHING),
        "choose committee of A": ("post", f"/councils/meetings/{c['committee_a'].pk}/expected/", write_a, NOTHING),
        "attendance A": ("get", f"{meeting}/attendance/", write_a, NOTHING),
        "mark attendance A": (
            "post",
            f"{meeting}/attendance/",
            dict(street=404, secretary_a=404, secretary_b=404, viewer_a=403),  # no such row
            NOTHING,
        ),
        "guest A": ("post", f"{meeting}/guests/", write_a, NOTHING),
        "decision A": ("post", f"{meeting}/decisions/", write_a, NOTHING),
        "attach A": ("post", f"{meeting}/attachments/", moved_a, NOTHING),
        "attachment A": ("get", f"{meeting}/attachments/{c['attachment_a'].pk}/", in_a, NOTHING),
        "lock A": ("post", f"{meeting}/lock/", moved_a, NOTHING),
        "minutes A": ("get", f"{meeting}/print/", in_a, NOTHING),
        "meeting sign-in sheet A": ("get", f"{meeting}/sign-in-sheet/", in_a, NOTHING),
        "book A1": ("get", f"/councils/meetings/book/?org={tree['a1'].pk}&year=2024", in_a, NOTHING),
        "meeting ledger A": ("get", f"/councils/meetings/ledger.xlsx?{org_a}", in_a, NOTHING),
        "attendance ledger A": ("get", f"/councils/meetings/attendance.xlsx?{org_a}", in_a, NOTHING),
        "appraisals": ("get", "/councils/appraisals/", everyone, NOTHING),
        "appraisals of A": ("get", f"/councils/appraisals/?{org_a}", in_a, NOTHING),
        "new appraisal": ("get", "/councils/appraisals/new/", write_any, NOTHING),
        "save new appraisal": ("post", "/councils/appraisals/new/", write_any, NOTHING),
        "appraisal A": ("get", f"/councils/appraisals/{c['round_a'].pk}/", in_a, NOTHING),
        "grade appraisal A": (
            "post",
            f"/councils/appraisals/{c['round_a'].pk}/",
            dict(street=302, secretary_a=302, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
    }


def rule_objects(tree, members):
    """A version of the street's own rule, this street's theme of a month, and a follow-up task of
    A1's general meeting (made once per test)."""
    meeting = council_objects(tree, members)["meeting_a"]
    rule = ScheduleRule.objects.filter(street=tree["street"]).first()
    if rule is None:
        rule = ScheduleRule.objects.create(
            street=tree["street"],
            organization_kind="branch",
            meeting_kind="lesson",
            period="month",
            effective_from=datetime.date(2024, 7, 1),
            source_text="街道党工委规定",
        )
        MonthlyTheme.objects.create(organization=tree["street"], month=datetime.date(2024, 6, 1), title="主题")
        FollowUpTask.objects.create(meeting=meeting, text="清理楼道", due_on=datetime.date(2024, 7, 1))
    return {"rule": rule, "theme": MonthlyTheme.objects.get(), "task_a": FollowUpTask.objects.get()}


def rule_urls(tree, members):
    """The schedule rules (the street's staff only), compliance, themes and follow-up tasks."""
    r = rule_objects(tree, members)
    meeting = council_objects(tree, members)["meeting_a"]
    org_a = f"org={tree['a'].pk}"
    everyone = dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200)
    street_only = dict(street=200, secretary_a=403, secretary_b=403, viewer_a=403)
    in_a = dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200)
    write_a = dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403)
    write_any = dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403)
    return {
        "compliance": ("get", "/councils/compliance/", everyone, NOTHING),
        "compliance of A": ("get", f"/councils/compliance/?{org_a}&year=2024", in_a, NOTHING),
        "rules": ("get", "/councils/rules/", street_only, NOTHING),
        "new rule": ("get", f"/councils/rules/new/?from={r['rule'].pk}", street_only, NOTHING),
        "save new rule": ("post", "/councils/rules/new/", street_only, NOTHING),
        "end rule": ("post", f"/councils/rules/{r['rule'].pk}/end/", dict(street_only, street=302), NOTHING),
        "new exemption": ("get", "/councils/rules/exemptions/new/", street_only, NOTHING),
        "save new exemption": ("post", "/councils/rules/exemptions/new/", street_only, NOTHING),
        "themes": ("get", "/councils/themes/", everyone, NOTHING),
        "themes of A": ("get", f"/councils/themes/?{org_a}&month=2024-06", in_a, NOTHING),
        "new theme": ("get", "/councils/themes/new/", street_only, NOTHING),
        "save new theme": ("post", "/councils/themes/new/", street_only, NOTHING),
        "edit theme": ("get", f"/councils/themes/{r['theme'].pk}/edit/", street_only, NOTHING),
        "record theme day": ("get", f"/councils/themes/{r['theme'].pk}/record/", write_any, NOTHING),
        "save theme day": ("post", f"/councils/themes/{r['theme'].pk}/record/", write_any, NOTHING),
        "tasks": ("get", "/councils/tasks/", everyone, NOTHING),
        "tasks of A": ("get", f"/councils/tasks/?{org_a}&state=all", in_a, NOTHING),
        "new task A": ("get", f"/councils/meetings/{meeting.pk}/tasks/new/", write_a, NOTHING),
        "save new task A": ("post", f"/councils/meetings/{meeting.pk}/tasks/new/", write_a, NOTHING),
        "task done A": ("get", f"/councils/tasks/{r['task_a'].pk}/done/", write_a, NOTHING),
        "save task done A": ("post", f"/councils/tasks/{r['task_a'].pk}/done/", write_a, NOTHING),
    }


def urls(tree, members):
    a, b = members["a"], members["b"]
    change_a = MemberChange.objects.filter(member=a).first()
    svc = service_objects(tree, members)
    return {
        **council_urls(tree, members),
        **rule_urls(tree, members),
        "import page": (
            "get",
            "/members/import/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403),
            NOTHING,
        ),
        "roster template": (
            "get",
            "/members/import/template.xlsx",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200),
            NOTHING,
        ),
        "roster of A": (
            "get",
            f"/members/roster.xlsx?org={tree['a'].pk}",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            dict(street="id phone", secretary_a="id phone"),
        ),
        "ledger of A": (
            "get",
            f"/members/ledger.xlsx?org={tree['a'].pk}&start=2019-01-01",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            dict(street="id", secretary_a="id"),
        ),
        "changes of A": (
            "get",
            f"/members/changes/?org={tree['a'].pk}&start=2019-01-01",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        "dashboard": ("get", "/dashboard/", dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200), NOTHING),
        "dashboard of A": (
            "get",
            f"/dashboard/?org={tree['a'].pk}",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        "dashboard export of A": (
            "get",
            f"/dashboard/export.xlsx?org={tree['a'].pk}",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        # name: (method, url, {role: expected status}, {role: full numbers the response may show})
        "home": ("get", "/", dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200), NOTHING),
        "members": (
            "get",
            "/members/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200),
            dict(street="phone", secretary_a="phone", secretary_b="phone"),
        ),
        "members export": (
            "get",
            "/members/export.xlsx",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200),
            dict(street="id phone", secretary_a="id phone", secretary_b="id phone"),
        ),
        "member page A": (
            "get",
            f"/members/{a.pk}/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            dict(street="phone", secretary_a="phone"),
        ),
        "member page B": (
            "get",
            f"/members/{b.pk}/",
            dict(street=200, secretary_a=404, secretary_b=200, viewer_a=404),
            dict(street="phone", secretary_b="phone"),
        ),
        "member print A": (
            "get",
            f"/members/{a.pk}/print/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            dict(street="id phone", secretary_a="id phone"),
        ),
        "member edit A": (
            "get",
            f"/members/{a.pk}/edit/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            dict(street="phone", secretary_a="phone"),
        ),
        "member save A": (
            "post",
            f"/members/{a.pk}/edit/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "reveal id A": (
            "post",
            f"/members/{a.pk}/reveal-id/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            dict(street="id", secretary_a="id"),
        ),
        "transfer out A": (
            "get",
            f"/members/{a.pk}/changes/transfer_out/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "log transfer out A": (
            "post",
            f"/members/{a.pk}/changes/transfer_out/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "new member": (
            "get",
            "/members/new/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403),
            NOTHING,
        ),
        "id check": (
            "post",
            "/members/check-id/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403),
            NOTHING,
        ),
        "tree A": (
            "get",
            f"/organizations/{tree['a'].pk}/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        "roster A": (
            "get",
            f"/organizations/{tree['a1'].pk}/roster/print/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            dict(street="phone", secretary_a="phone"),
        ),
        "new group in A": (
            "get",
            f"/organizations/{tree['a1'].pk}/new/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "rename A1": (
            "post",
            f"/organizations/{tree['a1'].pk}/rename/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "move A1g1": (
            "get",
            f"/organizations/{tree['a1g1'].pk}/move/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "dissolve A1g1": (
            "get",
            f"/organizations/{tree['a1g1'].pk}/dissolve/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "picker options": (
            "get",
            "/organizations/options/?level=branch",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200),
            NOTHING,
        ),
        "admin index": ("get", "/admin/", dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200), NOTHING),
        "member list": (
            "get",
            "/admin/members/member/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200),
            dict(street="phone", secretary_a="phone", secretary_b="phone"),
        ),
        "member of A": (
            "get",
            f"/admin/members/member/{a.pk}/change/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            dict(street="phone", secretary_a="phone"),
        ),
        "member of B": (
            "get",
            f"/admin/members/member/{b.pk}/change/",
            dict(street=200, secretary_a=404, secretary_b=200, viewer_a=404),
            dict(street="phone", secretary_b="phone"),
        ),
        "edit member of A": (
            "post",
            f"/admin/members/member/{a.pk}/change/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "member add": (
            "get",
            "/admin/members/member/add/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403),
            NOTHING,
        ),
        "change list": (
            "get",
            "/admin/members/memberchange/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200),
            NOTHING,
        ),
        "change of A": (
            "get",
            f"/admin/members/memberchange/{change_a.pk}/change/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        "change add": (
            "get",
            "/admin/members/memberchange/add/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403),
            NOTHING,
        ),
        "organization list": (
            "get",
            "/admin/organizations/organization/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200),
            NOTHING,
        ),
        "community A": (
            "get",
            f"/admin/organizations/organization/{tree['a'].pk}/change/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        "edit community A": (
            "post",
            f"/admin/organizations/organization/{tree['a'].pk}/change/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "street": (
            "get",
            f"/admin/organizations/organization/{tree['street'].pk}/change/",
            dict(street=200, secretary_a=404, secretary_b=404, viewer_a=404),
            NOTHING,
        ),
        "organization add": (
            "get",
            "/admin/organizations/organization/add/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403),
            NOTHING,
        ),
        "activities": (
            "get",
            "/services/activities/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200),
            NOTHING,
        ),
        "activities of A": (
            "get",
            f"/services/activities/?org={tree['a'].pk}&start=2024-01-01&end=2024-12-31",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        "new activity": (
            "get",
            "/services/activities/new/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403),
            NOTHING,
        ),
        "save new activity": (
            "post",
            "/services/activities/new/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403),
            NOTHING,
        ),
        "participant search": (
            "post",
            "/services/activities/member-search/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403),
            NOTHING,
        ),
        "participant row": (
            "post",
            "/services/activities/participant-row/",
            dict(street=404, secretary_a=404, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "activity A": (
            "get",
            f"/services/activities/{svc['activity_a'].pk}/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        "edit activity A": (
            "get",
            f"/services/activities/{svc['activity_a'].pk}/edit/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "save activity A": (
            "post",
            f"/services/activities/{svc['activity_a'].pk}/edit/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "participants of A": (
            "get",
            f"/services/activities/{svc['activity_a'].pk}/participants/?source=sign_in",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "save participants of A": (
            "post",
            f"/services/activities/{svc['activity_a'].pk}/participants/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "sign-in sheet A": (
            "get",
            f"/services/activities/{svc['activity_a'].pk}/sign-in-sheet/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        "teams": (
            "get",
            "/services/teams/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200),
            NOTHING,
        ),
        "new team": (
            "get",
            "/services/teams/new/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403),
            NOTHING,
        ),
        "team A": (
            "get",
            f"/services/teams/{svc['team_a'].pk}/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        "edit team A": (
            "get",
            f"/services/teams/{svc['team_a'].pk}/edit/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "join team A": (
            "post",
            f"/services/teams/{svc['team_a'].pk}/join/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "leave team A": (
            "get",
            f"/services/teams/{svc['team_a'].pk}/members/{svc['membership_a'].pk}/leave/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "service entry list": (
            "get",
            "/admin/services/serviceentry/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200),
            NOTHING,
        ),
        "service entry of A": (
            "get",
            f"/admin/services/serviceentry/{svc['entry_a'].pk}/change/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        "edit service entry of A": (
            "post",
            f"/admin/services/serviceentry/{svc['entry_a'].pk}/change/",
            dict(street=403, secretary_a=403, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "service entry add": (
            "get",
            "/admin/services/serviceentry/add/",
            dict(street=403, secretary_a=403, secretary_b=403, viewer_a=403),
            NOTHING,
        ),
        "audit log": (
            "get",
            "/admin/portal/auditentry/",
            dict(street=403, secretary_a=403, secretary_b=403, viewer_a=403),
            NOTHING,
        ),
        "accounts": (
            "get",
            "/admin/portal/user/",
            dict(street=403, secretary_a=403, secretary_b=403, viewer_a=403),
            NOTHING,
        ),
        "roles": (
            "get",
            "/admin/organizations/role/",
            dict(street=403, secretary_a=403, secretary_b=403, viewer_a=403),
            NOTHING,
        ),
        "email addresses": (
            "get",
            "/admin/account/emailaddress/",
            dict(street=403, secretary_a=403, secretary_b=403, viewer_a=403),
            NOTHING,
        ),
        "background jobs": (
            "get",
            "/admin/django_tasks_database/dbtaskresult/",
            dict(street=403, secretary_a=403, secretary_b=403, viewer_a=403),
            NOTHING,
        ),
    }


URL_NAMES = [
    "import page",
    "roster template",
    "roster of A",
    "ledger of A",
    "changes of A",
    "dashboard",
    "dashboard of A",
    "dashboard export of A",
    "members",
    "members export",
    "member page A",
    "member page B",
    "member print A",
    "member edit A",
    "member save A",
    "reveal id A",
    "transfer out A",
    "log transfer out A",
    "new member",
    "id check",
    "tree A",
    "roster A",
    "new group in A",
    "rename A1",
    "move A1g1",
    "dissolve A1g1",
    "picker options",
    "home",
    "admin index",
    "member list",
    "member of A",
    "member of B",
    "edit member of A",
    "member add",
    "change list",
    "change of A",
    "change add",
    "organization list",
    "community A",
    "edit community A",
    "street",
    "organization add",
    "activities",
    "activities of A",
    "new activity",
    "save new activity",
    "participant search",
    "participant row",
    "activity A",
    "edit activity A",
    "save activity A",
    "participants of A",
    "save participants of A",
    "sign-in sheet A",
    "teams",
    "new team",
    "team A",
    "edit team A",
    "join team A",
    "leave team A",
    "service entry list",
    "service entry of A",
    "edit service entry of A",
    "service entry add",
    "audit log",
    "accounts",
    "roles",
    "email addresses",
    "background jobs",
    "meetings",
    "meetings of A",
    "new meeting",
    "save new meeting",
    "meeting A",
    "edit meeting A",
    "save meeting A",
    "committee of A",
    "choose committee of A",
    "attendance A",
    "mark attendance A",
    "guest A",
    "decision A",
    "attach A",
    "attachment A",
    "lock A",
    "minutes A",
    "meeting sign-in sheet A",
    "book A1",
    "meeting ledger A",
    "attendance ledger A",
    "appraisals",
    "appraisals of A",
    "new appraisal",
    "save new appraisal",
    "appraisal A",
    "grade appraisal A",
    "compliance",
    "compliance of A",
    "rules",
    "new rule",
    "save new rule",
    "end rule",
    "new exemption",
    "save new exemption",
    "themes",
    "themes of A",
    "new theme",
    "save new theme",
    "edit theme",
    "record theme day",
    "save theme day",
    "tasks",
    "tasks of A",
    "new task A",
    "save new task A",
    "task done A",
    "save task done A",
]


@pytest.mark.parametrize("name", URL_NAMES)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, tree, users, members, name, role):
    method, url, expected, full = urls(tree, members)[name]
    if role != "anonymous":
        client.force_login(users[role])
    response = getattr(client, method)(url, {} if method == "get" else {"name": "x"}, follow=role == "anonymous")
    if role == "anonymous":
        assert response.redirect_chain[-1][0].startswith("/accounts/login/?next=")
        assert response.status_code == 200 and "用户名或手机号" in response.content.decode()
    else:
        assert response.status_code == expected[role], f"{name} as {role}"
        shown = full_numbers_in(response_text(response), members.values())
        assert shown == set(full.get(role, "").split()), f"{name} as {role} shows {shown}"


def full_numbers_in(text, members):
    return {"id" for m in members if m.id_number in text} | {"phone" for m in members if m.phone in text}


def test_the_superuser_sees_the_audit_log(client, users):
    client.force_login(users["superuser"])
    assert client.get("/admin/portal/auditentry/").status_code == 200


def test_the_matrix_covers_every_admin_model(client, users):
    from django.contrib import admin

    covered = {
        "members.member",
        "members.memberchange",
        "organizations.organization",
        "portal.auditentry",
        "portal.user",
        "organizations.role",
        "account.emailaddress",
        "django_tasks_database.dbtaskresult",
        "services.serviceentry",
    }
    assert {model._meta.label_lower for model in admin.site._registry} == covered
