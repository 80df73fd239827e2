"""Every URL × every role: scope violations answer 404, read-only roles 403 on writes, and a full
ID number or phone appears only where the disclosure rule (members/disclosure.py) lets that role see it."""

import datetime
from types import SimpleNamespace

import pytest

from councils.models import AppraisalRound, Attachment, FollowUpTask, Meeting, MonthlyTheme, ScheduleRule
from members.models import MemberChange
from services.models import (
    Activity,
    CareVisit,
    CoBuildingAgreement,
    FeedbackLetter,
    Household,
    InServiceRegistration,
    Pairing,
    ResidentUnit,
    ServiceEntry,
    ServiceTarget,
    ServiceTeam,
    TeamMembership,
    VisitDue,
)
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
    registration_a = InServiceRegistration.objects.filter(member=members["a"]).first()
    if registration_a is None:
        registration_a = InServiceRegistration.objects.create(
            member=members["a"], organization=tree["a"], registered_on=datetime.date(2024, 3, 1), employer="县财政局"
        )
        FeedbackLetter.objects.create(organization=tree["a"], registration=registration_a, year=2024, number=1)
        ServiceTarget.objects.create(
            organization=tree["street"], effective_year=datetime.date.today().year, hours_target=20
        )
    unit_a = ResidentUnit.objects.filter(organization=tree["a"]).first()
    if unit_a is None:
        unit_a = ResidentUnit.objects.create(organization=tree["a"], name="县人民医院", offers=["hall"])
        CoBuildingAgreement.objects.create(
            unit=unit_a, organization=tree["a"], title="共建协议", starts_on=datetime.date(2024, 1, 1)
        )
    return {
        "entry_a": entry_a,
        "team_a": team_a,
        "activity_a": Activity.objects.get(team=team_a),
        "membership_a": team_a.memberships.get(),
        "registration_a": registration_a,
        "letter_a": FeedbackLetter.objects.get(registration=registration_a),
        "target": ServiceTarget.objects.get(),
        "unit_a": unit_a,
        "agreement_a": unit_a.agreements.get(),
    }


WRITE = dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403)
READ = dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200)
READ_A = dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200)
WRITE_A = dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403)


def unit_urls(tree, svc):
    """Resident units, agreements, the services' ledgers and their admin import/export."""
    a, unit, agreement, activity = tree["a"].pk, svc["unit_a"].pk, svc["agreement_a"].pk, svc["activity_a"].pk
    period = f"org={a}&start=2024-01-01&end=2024-12-31"
    found = {
        "units": ("get", "/services/units/", READ, NOTHING),
        "units of A": ("get", f"/services/units/?org={a}", READ_A, NOTHING),
        "new unit": ("get", "/services/units/new/", WRITE, NOTHING),
        "save new unit": ("post", "/services/units/new/", WRITE, NOTHING),
        "unit A": ("get", f"/services/units/{unit}/", READ_A, NOTHING),
        "edit unit A": ("get", f"/services/units/{unit}/edit/", WRITE_A, NOTHING),
        "save unit A": ("post", f"/services/units/{unit}/edit/", dict(WRITE_A, street=302, secretary_a=302), NOTHING),
        "new agreement of A": ("get", f"/services/units/{unit}/agreements/new/", WRITE_A, NOTHING),
        "save new agreement of A": (
            "post",
            f"/services/units/{unit}/agreements/new/",
            WRITE_A,
            NOTHING,
        ),
        "agreements": ("get", "/services/agreements/", READ, NOTHING),
        "agreements ending in A": ("get", f"/services/agreements/?org={a}&ending=1", READ_A, NOTHING),
        "agreement A": ("get", f"/services/agreements/{agreement}/", READ_A, NOTHING),
        "edit agreement A": ("get", f"/services/agreements/{agreement}/edit/", WRITE_A, NOTHING),
        "save agreement A": (
            "post",
            f"/services/agreements/{agreement}/edit/",
            WRITE_A,
            NOTHING,
        ),
        "ledgers": ("get", "/services/ledgers/", READ, NOTHING),
        "ledgers of A": ("get", f"/services/ledgers/?{period}", READ_A, NOTHING),
    }
    for kind in ("activities", "hours", "visits", "pairings", "units"):
        found[f"{kind} ledger of A"] = ("get", f"/services/ledgers/{kind}.xlsx?{period}", READ_A, NOTHING)
    for model, pk in (("residentunit", unit), ("serviceteam", svc["team_a"].pk), ("activity", activity)):
        found[f"admin {model} list"] = ("get", f"/admin/services/{model}/", READ, NOTHING)
        found[f"admin {model} of A"] = ("get", f"/admin/services/{model}/{pk}/change/", READ_A, NOTHING)
        found[f"admin edit {model} of A"] = ("post", f"/admin/services/{model}/{pk}/change/", WRITE_A, NOTHING)
        found[f"admin {model} add"] = ("get", f"/admin/services/{model}/add/", WRITE, NOTHING)
        found[f"admin {model} import"] = ("get", f"/admin/services/{model}/import/", WRITE, NOTHING)
        found[f"admin {model} confirm import"] = ("post", f"/admin/services/{model}/process_import/", WRITE, NOTHING)
        found[f"admin {model} export"] = ("get", f"/admin/services/{model}/export/", READ, NOTHING)
    return found


_ANY = SimpleNamespace(pk=0)  # the names do not depend on the objects
UNIT_URL_NAMES = list(unit_urls({"a": _ANY}, dict.fromkeys(("unit_a", "agreement_a", "activity_a", "team_a"), _ANY)))


def visit_objects(tree, members):
    """A household, a pairing, a visit and a visit falling due in community A (made once per test)."""
    household_a = Household.objects.filter(organization=tree["a"]).first()
    if household_a is None:
        household_a = Household.objects.create(
            organization=tree["a"], name="孙桂兰", phone="13912345678", kinds=["elderly_alone"]
        )
        Pairing.objects.create(member=members["a"], household=household_a, started_on=datetime.date(2024, 1, 1))
        visit = CareVisit.objects.create(
            organization=tree["a"], member=members["a"], reason="ill", visited_on=datetime.date(2024, 5, 1)
        )
        VisitDue.objects.create(
            organization=tree["a"],
            member=members["a"],
            reason="ill",
            due_on=datetime.date(2024, 6, 1),
            source="follow_up",
            follow_up_of=visit,
        )
    return {
        "household_a": household_a,
        "pairing_a": household_a.pairings.get(),
        "visit_a": CareVisit.objects.get(organization=tree["a"]),
        "due_a": VisitDue.objects.get(organization=tree["a"]),
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


def agenda_objects(tree, members):
    """Community A's council (张卫华 its one member), a meeting that adopted an item now out for comment
    (with a resident's comment) and another being carried out (a task, a progress note with a photo),
    and a drafted item waiting on the meeting's agenda (made once per test)."""
    from django.core.files.base import ContentFile

    from councils.models import (
        AgendaEntry,
        AgendaItem,
        Comment,
        ConsultationOutcome,
        Council,
        CouncilMeeting,
        CouncilMember,
        ImplementationTask,
        ProgressNote,
        ProgressPhoto,
    )

    body = Council.objects.filter(organization=tree["a"]).first()
    if body is None:
        d = datetime.date
        body = Council.objects.create(organization=tree["a"], name="甲社区党员议事会", established_on=d(2020, 6, 1))
        CouncilMember.objects.create(
            council=body, member=members["a"], role="chair", constituency="self_managed", joined_on=d(2020, 6, 1)
        )
        meeting = CouncilMeeting.convene(body, Meeting(held_on=d(2024, 3, 26)))
        row = meeting.attendances.get()
        meeting.mark(row.member, "present", row=row)

        def item(title, through):
            made = AgendaItem.raise_item(
                AgendaItem(
                    organization=tree["a"], title=title, problem="居民反映", source="residents", raised_on=d(2024, 3, 1)
                ),
                None,
            )
            made.advance("draft", by=None, on=d(2024, 3, 20), draft="方案")
            if through:
                AgendaEntry.add(meeting, made, None).adopt(None, "通过", 1, 0, 0)
                made.refresh_from_db()
                made.advance("consult", by=None, on=d(2024, 3, 27), public_title=title, public_text="公示方案")
            return made

        consulting = item("莫让社区变农庄", True)
        Comment.objects.create(item=consulting, body="支持", phone="13912345670")
        doing = item("楼道堆物清理", True)
        doing.record_consultation(
            ConsultationOutcome(result="approved", decided_on=d(2024, 4, 3), summary="赞成"), None
        )
        doing.advance("implement", by=None, on=d(2024, 4, 5), by_station=True)
        ImplementationTask.objects.create(item=doing, text="清理", responsible="服务站", due_on=d(2024, 4, 20))
        note = ProgressNote.objects.create(item=doing, on=d(2024, 4, 12), percent=50, text="过半")
        photo = ProgressPhoto(note=note, content_type="image/png", size=16)
        photo.file.save("p.png", ContentFile(b"\x89PNG\r\n\x1a\n" + b"\x00" * 8), save=False)
        photo.save()
        AgendaEntry.add(meeting, item("增设充电桩", False), None)
    items = {item.title: item for item in AgendaItem.objects.filter(organization=tree["a"])}
    return {
        "body": body,
        "seat": body.seats.get(),
        "meeting": body.council_meetings.get().meeting,
        "entry": AgendaEntry.objects.get(outcome=""),
        "consulting": items["莫让社区变农庄"],
        "doing": items["楼道堆物清理"],
        "drafted": items["增设充电桩"],
        "task": ImplementationTask.objects.get(),
        "photo": ProgressPhoto.objects.get(),
        "comment": Comment.objects.get(),
    }


def agenda_urls(tree, members):
    c = agenda_objects(tree, members)
    body = f"/councils/council/bodies/{c['body'].pk}"
    item = f"/councils/council/items/{c['consulting'].pk}"
    doing = f"/councils/council/items/{c['doing'].pk}"
    agenda = f"/councils/council/meetings/{c['meeting'].pk}/agenda"
    org_a = f"org={tree['a'].pk}"
    everyone = dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200)
    in_a = dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200)
    write_a = dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403)
    write_any = dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403)
    moved_a = dict(street=302, secretary_a=302, secretary_b=404, viewer_a=403)
    # The public pages: the same for everyone, signed in or not.
    public = dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200, anonymous=200)
    hidden = dict(street=404, secretary_a=404, secretary_b=404, viewer_a=404, anonymous=404)
    yishi = f"/yishi/{tree['a'].pk}"
    return {
        "council bodies": ("get", "/councils/council/bodies/", everyone, NOTHING),
        "council bodies of A": ("get", f"/councils/council/bodies/?{org_a}", in_a, NOTHING),
        "new council": ("get", "/councils/council/bodies/new/", write_any, NOTHING),
        "save new council": ("post", "/councils/council/bodies/new/", write_any, NOTHING),
        "council A": ("get", f"{body}/", in_a, NOTHING),
        "seat on council A": ("post", f"{body}/seats/", write_a, NOTHING),
        "seat leaves council A": ("post", f"{body}/seats/{c['seat'].pk}/leave/", moved_a, NOTHING),
        "new meeting of council A": ("get", f"{body}/meetings/new/", write_a, NOTHING),
        "save meeting of council A": ("post", f"{body}/meetings/new/", write_a, NOTHING),
        "agenda items": ("get", "/councils/council/items/", everyone, NOTHING),
        "agenda items of A": ("get", f"/councils/council/items/?{org_a}&step=open", in_a, NOTHING),
        "stuck agenda items of A": ("get", f"/councils/council/items/?{org_a}&attention=stuck", in_a, NOTHING),
        "raise item": ("get", "/councils/council/items/new/", write_any, NOTHING),
        "save raised item": ("post", "/councils/council/items/new/", write_any, NOTHING),
        "item A": ("get", f"{item}/", in_a, NOTHING),
        "step page of item A": ("get", f"{item}/steps/implement/", in_a, NOTHING),
        "take step of item A": ("post", f"{doing}/steps/done/", write_a, NOTHING),
        "stop item A": ("get", f"{item}/stop/", write_a, NOTHING),
        "save stop of item A": ("post", f"{item}/stop/", write_a, NOTHING),
        "consultation outcome A": ("post", f"{item}/outcome/", write_a, NOTHING),
        "publish item A": ("post", f"{item}/publish/", moved_a, NOTHING),
        "add task A": ("post", f"{doing}/tasks/", write_a, NOTHING),
        "item task done A": ("post", f"{doing}/tasks/{c['task'].pk}/done/", moved_a, NOTHING),
        "progress A": ("post", f"{doing}/progress/", write_a, NOTHING),
        "progress photo A": ("get", f"{doing}/photos/{c['photo'].pk}/", in_a, NOTHING),
        "print item A": ("get", f"{item}/print/", in_a, NOTHING),
        "agenda A": ("get", f"{agenda}/", in_a, NOTHING),
        "add to agenda A": ("post", f"{agenda}/", write_a, NOTHING),
        "adopt on agenda A": ("post", f"{agenda}/{c['entry'].pk}/adopt/", write_a, NOTHING),
        "conclude on agenda A": ("post", f"{agenda}/{c['entry'].pk}/conclude/", write_a, NOTHING),
        "remove from agenda A": ("post", f"{agenda}/{c['entry'].pk}/remove/", moved_a, NOTHING),
        "comments to moderate": ("get", "/councils/council/comments/", everyone, NOTHING),
        "comments of A": ("get", f"/councils/council/comments/?{org_a}&status=pending", in_a, NOTHING),
        "moderate comment A": ("post", f"/councils/council/comments/{c['comment'].pk}/moderate/", moved_a, NOTHING),
        "implementation tasks": ("get", "/councils/council/tasks/", everyone, NOTHING),
        "overdue tasks of A": ("get", f"/councils/council/tasks/?{org_a}&attention=overdue", in_a, NOTHING),
        "agenda item ledger A": ("get", f"/councils/council/items/ledger.xlsx?{org_a}", in_a, NOTHING),
        "resolution ledger A": ("get", f"/councils/council/resolutions/ledger.xlsx?{org_a}", in_a, NOTHING),
        "yishi": ("get", "/yishi/", public, NOTHING),
        "yishi community A": ("get", f"{yishi}/", public, NOTHING),
        "yishi item A": ("get", f"{yishi}/items/{c['consulting'].pk}/", public, NOTHING),
        "yishi item being done A": ("get", f"{yishi}/items/{c['doing'].pk}/", public, NOTHING),
        "yishi comment A": ("post", f"{yishi}/items/{c['consulting'].pk}/comment/", public, NOTHING),
        "yishi photo A": ("get", f"/yishi/photos/{c['photo'].pk}/", public, NOTHING),
        "yishi unpublished item A": ("get", f"{yishi}/items/{c['drafted'].pk}/", hidden, NOTHING),
        "yishi item A under B": ("get", f"/yishi/{tree['b'].pk}/items/{c['consulting'].pk}/", hidden, NOTHING),
        "yishi a branch": ("get", f"/yishi/{tree['a1'].pk}/", hidden, NOTHING),
    }


def urls(tree, members):
    a, b = members["a"], members["b"]
    change_a = MemberChange.objects.filter(member=a).first()
    svc = service_objects(tree, members)
    care = visit_objects(tree, members)
    return {
        **council_urls(tree, members),
        **rule_urls(tree, members),
        **agenda_urls(tree, members),
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
        "visits": (
            "get",
            "/services/visits/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200),
            NOTHING,
        ),
        "visits of A": (
            "get",
            f"/services/visits/?org={tree['a'].pk}&start=2024-01-01",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        "new visit": (
            "get",
            "/services/visits/new/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403),
            NOTHING,
        ),
        "save new visit": (
            "post",
            "/services/visits/new/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403),
            NOTHING,
        ),
        "new visit to A's member": (
            "get",
            f"/services/visits/new/?member={a.pk}",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "visit member search": (
            "post",
            "/services/visits/member-search/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403),
            NOTHING,
        ),
        "visit member pick": (
            "post",
            "/services/visits/member-pick/",
            dict(street=404, secretary_a=404, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "visit A": (
            "get",
            f"/services/visits/{care['visit_a'].pk}/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        "edit visit A": (
            "get",
            f"/services/visits/{care['visit_a'].pk}/edit/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "save visit A": (
            "post",
            f"/services/visits/{care['visit_a'].pk}/edit/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "visits due": (
            "get",
            "/services/visits/due/?status=all",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200),
            NOTHING,
        ),
        "overdue visits of A": (
            "get",
            f"/services/visits/due/?org={tree['a'].pk}&attention=overdue",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        "cancel due visit A": (
            "get",
            f"/services/visits/due/{care['due_a'].pk}/cancel/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "households": (
            "get",
            "/services/households/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200),
            NOTHING,
        ),
        "households of A without a helper": (
            "get",
            f"/services/households/?org={tree['a'].pk}&attention=without_helper",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        "new household": (
            "get",
            "/services/households/new/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403),
            NOTHING,
        ),
        "household A": (
            "get",
            f"/services/households/{care['household_a'].pk}/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        "edit household A": (
            "get",
            f"/services/households/{care['household_a'].pk}/edit/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "save household A": (
            "post",
            f"/services/households/{care['household_a'].pk}/edit/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "pairings": (
            "get",
            "/services/pairings/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200),
            NOTHING,
        ),
        "pairings of A behind": (
            "get",
            f"/services/pairings/?org={tree['a'].pk}&attention=behind",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        "helpers of A": (
            "get",
            f"/services/pairings/helpers/?org={tree['a'].pk}&attention=overloaded",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        "new pairing": (
            "get",
            "/services/pairings/new/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403),
            NOTHING,
        ),
        "edit pairing A": (
            "get",
            f"/services/pairings/{care['pairing_a'].pk}/edit/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "end pairing A": (
            "post",
            f"/services/pairings/{care['pairing_a'].pk}/end/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        # in-service members (双报到): registrations, targets, letters
        "in-service": (
            "get",
            "/services/in-service/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200),
            NOTHING,
        ),
        "in-service of A": (
            "get",
            f"/services/in-service/?org={tree['a'].pk}&year=2024",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        "new registration": (
            "get",
            "/services/in-service/new/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403),
            NOTHING,
        ),
        "save new registration": (
            "post",
            "/services/in-service/new/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403),
            NOTHING,
        ),
        "registration member search": (
            "post",
            "/services/in-service/member-search/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403),
            NOTHING,
        ),
        "registration A": (
            "get",
            f"/services/in-service/{svc['registration_a'].pk}/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        "edit registration A": (
            "get",
            f"/services/in-service/{svc['registration_a'].pk}/edit/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "save registration A": (
            "post",
            f"/services/in-service/{svc['registration_a'].pk}/edit/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "end registration A": (
            "get",
            f"/services/in-service/{svc['registration_a'].pk}/end/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "save end of registration A": (
            "post",
            f"/services/in-service/{svc['registration_a'].pk}/end/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "letter form A": (
            "get",
            f"/services/in-service/{svc['registration_a'].pk}/letter/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "issue letter A": (
            "post",
            f"/services/in-service/{svc['registration_a'].pk}/letter/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "below target": (
            "get",
            "/services/in-service/below-target/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200),
            NOTHING,
        ),
        "below target of A": (
            "get",
            f"/services/in-service/below-target/?org={tree['a'].pk}&year=2024",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        "targets": (
            "get",
            "/services/in-service/targets/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200),
            NOTHING,
        ),
        "new target": (
            "get",
            "/services/in-service/targets/new/",
            dict(street=200, secretary_a=403, secretary_b=403, viewer_a=403),
            NOTHING,
        ),
        "save new target": (
            "post",
            "/services/in-service/targets/new/",
            dict(street=200, secretary_a=403, secretary_b=403, viewer_a=403),
            NOTHING,
        ),
        "edit target": (
            "get",
            f"/services/in-service/targets/{svc['target'].pk}/edit/",
            dict(street=200, secretary_a=403, secretary_b=403, viewer_a=403),
            NOTHING,
        ),
        "letters": (
            "get",
            "/services/in-service/letters/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200),
            NOTHING,
        ),
        "letters of A": (
            "get",
            f"/services/in-service/letters/?org={tree['a'].pk}&year=2024",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        "letter A": (
            "get",
            f"/services/in-service/letters/{svc['letter_a'].pk}/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        "letter print A": (
            "get",
            f"/services/in-service/letters/{svc['letter_a'].pk}/print/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        "letter xlsx A": (
            "get",
            f"/services/in-service/letters/{svc['letter_a'].pk}/letter.xlsx",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
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
        **unit_urls(tree, svc),
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
    "visits",
    "visits of A",
    "new visit",
    "save new visit",
    "new visit to A's member",
    "visit member search",
    "visit member pick",
    "visit A",
    "edit visit A",
    "save visit A",
    "visits due",
    "overdue visits of A",
    "cancel due visit A",
    "households",
    "households of A without a helper",
    "new household",
    "household A",
    "edit household A",
    "save household A",
    "pairings",
    "pairings of A behind",
    "helpers of A",
    "new pairing",
    "edit pairing A",
    "end pairing A",
    "in-service",
    "in-service of A",
    "new registration",
    "save new registration",
    "registration member search",
    "registration A",
    "edit registration A",
    "save registration A",
    "end registration A",
    "save end of registration A",
    "letter form A",
    "issue letter A",
    "below target",
    "below target of A",
    "targets",
    "new target",
    "save new target",
    "edit target",
    "letters",
    "letters of A",
    "letter A",
    "letter print A",
    "letter xlsx A",
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
    *UNIT_URL_NAMES,
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
    "council bodies",
    "council bodies of A",
    "new council",
    "save new council",
    "council A",
    "seat on council A",
    "seat leaves council A",
    "new meeting of council A",
    "save meeting of council A",
    "agenda items",
    "agenda items of A",
    "stuck agenda items of A",
    "raise item",
    "save raised item",
    "item A",
    "step page of item A",
    "take step of item A",
    "stop item A",
    "save stop of item A",
    "consultation outcome A",
    "publish item A",
    "add task A",
    "item task done A",
    "progress A",
    "progress photo A",
    "print item A",
    "agenda A",
    "add to agenda A",
    "adopt on agenda A",
    "conclude on agenda A",
    "remove from agenda A",
    "comments to moderate",
    "comments of A",
    "moderate comment A",
    "implementation tasks",
    "overdue tasks of A",
    "agenda item ledger A",
    "resolution ledger A",
    "yishi",
    "yishi community A",
    "yishi item A",
    "yishi item being done A",
    "yishi comment A",
    "yishi photo A",
    "yishi unpublished item A",
    "yishi item A under B",
    "yishi a branch",
]


@pytest.mark.parametrize("name", URL_NAMES)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, tree, users, members, name, role):
    method, url, expected, full = urls(tree, members)[name]
    if role != "anonymous":
        client.force_login(users[role])
    public = "anonymous" in expected  # 社区议事园: open to all, the same for everyone
    follow = role == "anonymous" and not public
    response = getattr(client, method)(url, {} if method == "get" else {"name": "x"}, follow=follow)
    if public:
        assert response.status_code == expected[role], f"{name} as {role}"
        assert full_numbers_in(response_text(response), members.values()) == set()
    elif role == "anonymous":
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
        "services.residentunit",
        "services.serviceteam",
        "services.activity",
    }
    assert {model._meta.label_lower for model in admin.site._registry} == covered
