"""The schedule rules as data, kept by the street committee: the versions of each rule (the
regulation's defaults and the street's own), a new version, the end of a version, and exemptions
with their reason and approver. Only the street's staff keep them; everyone else gets a 403.

The compliance page (``compliance``), open to everyone in scope, shows what the rules make of the
meetings: missed periods per community, branch and quarter, with drill-down to the meetings.
"""

import datetime
import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from councils import compliance
from councils.compliance import QUARTER_NAMES, Period, Status
from councils.forms import MEETING_ORG_KINDS
from councils.models import Exemption, MeetingKind, ScheduleRule
from organizations.access import organization_param, organizations_for
from organizations.models import Organization, Role
from portal.dashboard import cached, request_version
from portal.forms import DateInput, QuickSelect
from portal.params import BadParameter, pk_or_none

PAGE_SIZE = 50
ITEMS_PER_CELL = 30
DUE_SHOWN = 100  # a cell of the compliance table names at most this many missed periods
MAX_COUNT = 31  # more meetings than days in a month is a slip of the keyboard
StreetKind = Organization.Kind.STREET


def street_for(request):
    """The street whose rules the user keeps: a street staff member's own; for a superuser the
    ``?street=`` one or the first. Anyone else may not keep rules (403)."""
    user = request.user
    if user.is_superuser:
        streets = Organization.objects.filter(kind=StreetKind).order_by("path")
        chosen = pk_or_none(request.GET.get("street"))
        street = streets.filter(pk=chosen).first() if chosen else streets.first()
        if street is None:
            raise Http404
        return street
    role = user.roles.filter(kind=Role.Kind.STREET_STAFF).select_related("organization").first()
    if role is None:
        raise PermissionDenied
    return role.organization


def is_street_staff(user):
    return user.is_superuser or user.roles.filter(kind=Role.Kind.STREET_STAFF).exists()


# -- forms ------------------------------------------------------------------------------------------


class RuleForm(forms.ModelForm):
    """A new version of a rule. A version of the street's own that is in force on the new one's first
    day ends the day before it."""

    class Meta:
        model = ScheduleRule
        fields = [
            "organization_kind",
            "branch_kind",
            "condition",
            "meeting_kind",
            "period",
            "min_count",
            "usual_months",
            "effective_from",
            "effective_to",
            "source_text",
            "local_rule",
        ]
        widgets = {
            "effective_from": DateInput(),
            "effective_to": DateInput(),
            "min_count": forms.NumberInput(attrs={"min": 1, "max": MAX_COUNT, "inputmode": "numeric"}),
            "source_text": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "effective_from": _lazy("每个周期按其第一天施行的版本考核：宜填写月初、季初或年初。"),
            "source_text": _lazy("文件名称、条款或会议决定，例如“街道党工委2025年第3次会议决定”。"),
        }

    def __init__(self, *args, street, **kwargs):
        super().__init__(*args, **kwargs)
        self.street = street
        self.instance.street = street
        kinds = (Organization.Kind.BRANCH, Organization.Kind.GROUP, Organization.Kind.COMMUNITY)
        self.fields["organization_kind"].choices = [(kind.value, kind.label) for kind in kinds]
        self.fields["meeting_kind"].choices = [
            (kind.value, kind.label) for kind in MeetingKind if kind not in (MeetingKind.COUNCIL, MeetingKind.JOINT)
        ]

    def clean_min_count(self):
        count = self.cleaned_data["min_count"]
        if count is not None and count > MAX_COUNT:
            raise ValidationError(_("至少次数不能超过%(n)d次。") % {"n": MAX_COUNT})
        return count

    def clean_usual_months(self):
        text = self.cleaned_data["usual_months"].replace("，", ",").replace(" ", "")
        if not text:
            return ""
        months = text.split(",")
        if not all(re.fullmatch(r"\d{1,2}", m) and 1 <= int(m) <= 12 for m in months):
            raise ValidationError(_("请填写1到12之间的月份，用逗号分隔，例如“10,11,12”。"))
        return ",".join(str(int(m)) for m in months)

    def clean_source_text(self):
        text = self.cleaned_data["source_text"].strip()
        if not text:
            raise ValidationError(_("请填写规定的依据。"))
        return text

    def clean(self):
        cleaned = super().clean()
        start = cleaned.get("effective_from")
        if start and not self.errors:
            later = self.same_rule().filter(effective_from__gte=start).order_by("effective_from").first()
            if later is not None:
                self.add_error(
                    "effective_from",
                    _("本街道这项规定已有自%(day)s起施行的版本，新版本的生效日期须晚于它。")
                    % {"day": f"{later.effective_from:%Y-%m-%d}"},
                )
        return cleaned

    def same_rule(self):
        """The street's own versions of the same rule (same organizations and meeting kind)."""
        data = self.cleaned_data
        return ScheduleRule.objects.filter(
            street=self.street,
            organization_kind=data.get("organization_kind"),
            branch_kind=data.get("branch_kind") or "",
            meeting_kind=data.get("meeting_kind"),
        )

    @transaction.atomic
    def save(self, commit=True):
        rule = self.instance
        start = rule.effective_from
        self.same_rule().filter(effective_from__lt=start).filter(
            Q(effective_to__isnull=True) | Q(effective_to__gte=start)
        ).update(effective_to=start - datetime.timedelta(days=1), updated_at=timezone.now())
        return super().save(commit)


class EndRuleForm(forms.Form):
    effective_to = forms.DateField(label=_lazy("失效日期"), widget=DateInput())

    def __init__(self, *args, rule, **kwargs):
        super().__init__(*args, **kwargs)
        self.rule = rule
        self.fields["effective_to"].initial = timezone.localdate()

    def clean_effective_to(self):
        day = self.cleaned_data["effective_to"]
        if day < self.rule.effective_from:
            raise ValidationError(
                _("失效日期不能早于生效日期（%(day)s）。") % {"day": f"{self.rule.effective_from:%Y-%m-%d}"}
            )
        if self.rule.effective_to and day > self.rule.effective_to:
            raise ValidationError(_("这个版本已于%(day)s失效。") % {"day": f"{self.rule.effective_to:%Y-%m-%d}"})
        return day


class ExemptionForm(forms.ModelForm):
    organization = forms.TypedChoiceField(label=_lazy("组织"), coerce=int, widget=QuickSelect)
    rule = forms.TypedChoiceField(
        label=_lazy("免于执行的规定"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_lazy("不选：免于执行下面所选会议类型的所有规定。"),
    )

    class Meta:
        model = Exemption
        fields = ["meeting_kind", "starts_on", "ends_on", "reason", "approved_by_name"]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}
        help_texts = {"ends_on": _lazy("只有完全落在豁免期内的月份、季度或年度才免于考核。")}

    field_order = ["organization", "rule", "meeting_kind"]

    def __init__(self, *args, street, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.street = street
        self.fields["organization"].choices = _street_org_choices(user, street)
        self.rules = {rule.pk: rule for rule in compliance.rules_of(street)}
        self.fields["rule"].choices = [("", _("— 按会议类型 —"))] + [
            (rule.pk, _rule_label(rule)) for rule in self.rules.values()
        ]
        self.fields["approved_by_name"].required = True
        self.fields["reason"].widget = forms.Textarea(attrs={"rows": 2})

    def clean(self):
        cleaned = super().clean()
        org = Organization.objects.filter(pk=cleaned.get("organization"), path__startswith=self.street.path).first()
        if org is not None:
            self.instance.organization = org
        rule = self.rules.get(cleaned.get("rule"))
        self.instance.rule = rule
        if rule is not None and not cleaned.get("meeting_kind"):
            self.instance.meeting_kind = cleaned["meeting_kind"] = rule.meeting_kind
        return cleaned


def _street_org_choices(user, street):
    """The street's open communities, branches and groups, indented by depth."""
    orgs = (
        organizations_for(user, write=True)
        .existing()
        .filter(kind__in=MEETING_ORG_KINDS, path__startswith=street.path)
        .only("pk", "name", "depth")
    )
    return [(org.pk, ("　" * max(org.depth - 2, 0)) + org.name) for org in orgs]


def _rule_label(rule):
    until = f"{rule.effective_to:%Y-%m-%d}" if rule.effective_to else _("至今")
    owner = _("本街道") if rule.street_id else _("条例")
    return f"{owner}：{rule.get_organization_kind_display()} {rule}（{rule.effective_from:%Y-%m-%d}—{until}）"


# -- views ------------------------------------------------------------------------------------------


def _versions(street, today):
    """The street's rules grouped by what they rule, each with its versions and which is in force."""
    groups = {}
    for rule in compliance.rules_of(street).select_related("created_by"):
        identity = (rule.meeting_kind, rule.organization_kind, rule.branch_kind)
        rule.is_own = rule.street_id == street.pk
        if rule.effective_from > today:
            rule.state = "future"
        else:
            rule.state = "ended" if rule.effective_to and rule.effective_to < today else "now"
        groups.setdefault(identity, []).append(rule)
    book = compliance.RuleBook([rule for versions in groups.values() for rule in versions], street.pk)
    found = []
    for (meeting_kind, org_kind, branch_kind), versions in sorted(
        groups.items(), key=lambda item: (list(MeetingKind.values).index(item[0][0]), item[0][1:])
    ):
        current = book.version((org_kind, branch_kind, meeting_kind), today)
        for rule in versions:
            rule.applies_now = current is not None and rule.pk == current.pk
        found.append(
            {
                "title": f"{MeetingKind(meeting_kind).label} · {Organization.Kind(org_kind).label}"
                + (f"（{Organization.BranchKind(branch_kind).label}）" if branch_kind else ""),
                "versions": versions,
                "current": current,
            }
        )
    return found


@login_required
def rule_list(request):
    street = street_for(request)
    today = timezone.localdate()
    exemptions = (
        Exemption.objects.filter(organization__path__startswith=street.path)
        .select_related("organization", "rule", "approved_by")
        .order_by("-starts_on", "-id")
    )
    context = {
        "street": street,
        "groups": _versions(street, today),
        "exemptions": Paginator(exemptions, PAGE_SIZE).get_page(request.GET.get("page")),
        "today": today,
    }
    return render(request, "councils/rules/list.html", context)


def _rule_to_copy(request, street):
    source = pk_or_none(request.GET.get("from"))
    if source is None:
        return {}
    rule = compliance.rules_of(street).filter(pk=source).first()
    if rule is None:
        raise Http404
    today = timezone.localdate()
    next_month = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    fields = RuleForm.Meta.fields
    initial = {name: getattr(rule, name) for name in fields if name not in ("effective_from", "effective_to")}
    initial["effective_from"] = next_month
    return initial


@login_required
def rule_new(request):
    street = street_for(request)
    form = RuleForm(
        request.POST or None,
        instance=ScheduleRule(created_by=request.user),
        street=street,
        initial=_rule_to_copy(request, street) if request.method == "GET" else None,
    )
    if request.method == "POST" and form.is_valid():
        rule = form.save()
        messages.success(
            request,
            _("已新增规定版本：%(rule)s，自%(day)s起施行。") % {"rule": rule, "day": f"{rule.effective_from:%Y-%m-%d}"},
        )
        return redirect("councils:rules")
    return render(request, "councils/rules/form.html", {"form": form, "street": street})


@login_required
@require_POST
def rule_end(request, pk):
    street = street_for(request)
    rule = ScheduleRule.objects.filter(pk=pk).first()
    if rule is None or rule.street_id not in (None, street.pk):
        raise Http404
    if rule.street_id is None:
        raise PermissionDenied  # the regulation's defaults serve every street: add a version instead
    form = EndRuleForm(request.POST, rule=rule)
    if form.is_valid():
        rule.effective_to = form.cleaned_data["effective_to"]
        rule.save(update_fields=["effective_to", "updated_at"])
        day = f"{rule.effective_to:%Y-%m-%d}"
        messages.success(request, _("已结束规定版本：%(rule)s，%(day)s后失效。") % {"rule": rule, "day": day})
    else:
        messages.error(request, _("未能结束规定版本：%(error)s") % {"error": " ".join(form.errors["effective_to"])})
    return redirect(reverse("councils:rules") + f"#rule-{rule.pk}")


@login_required
def exemption_new(request):
    street = street_for(request)
    form = ExemptionForm(request.POST or None, instance=Exemption(), street=street, user=request.user)
    if request.method == "POST" and form.is_valid():
        exemption = form.save()
        messages.success(
            request,
            _("已登记豁免：%(org)s，%(start)s至%(end)s。")
            % {"org": exemption.organization.name, "start": exemption.starts_on, "end": exemption.ends_on},
        )
        return redirect("councils:rules")
    return render(request, "councils/rules/exemption_form.html", {"form": form, "street": street})


# -- the compliance page ----------------------------------------------------------------------------


def year_param(request, today):
    text = request.GET.get("year", "")
    if not text:
        return today.year
    year = pk_or_none(text)
    if year is None or not 2000 <= year <= today.year:
        raise BadParameter(_("年度“%(text)s”无效：请填写2000年到今年之间的年份。") % {"text": text[:10]})
    return year


def compliance_figures(scope, year, today, version):
    """The compliance page's rows and the requirements due soon, worked out once per data change
    (a street-wide judgement reads the whole year; the page's rows are what is kept)."""

    def compute():
        judgement = compliance.judge(scope, year, today)
        due = judgement.due_soon() if year == today.year else []
        due.sort(key=lambda r: (r.period.end, judgement.paths.get(r.org_id, "")))
        return _compliance_rows(judgement, scope, year), [
            (judgement.names.get(r.org_id, ""), r.warning_text(today)) for r in due
        ]

    return cached(f"councils-compliance:{scope.pk}:{year}:{today}", compute, version)


def _meetings_url(org_id, start, end, kind=""):
    return f"{reverse('councils:list')}?org={org_id}&start={start:%Y-%m-%d}&end={end:%Y-%m-%d}&kind={kind}"


def _unit(judgement, result, scope):
    """The row a result is shown in: the community below a street; otherwise the branch (a group's
    results with its branch's), or the organization itself."""
    below = result.lineage[result.lineage.index(scope.pk) :]
    if scope.kind == StreetKind:
        return below[1] if len(below) > 1 else scope.pk
    branch = next((pk for pk in below if judgement.kinds.get(pk) == Organization.Kind.BRANCH), None)
    return branch or result.org_id


@login_required
def compliance_page(request):
    """Missed periods of the year per community (for a street) or per branch, quarter by quarter."""
    scope = organization_param(request)
    today = timezone.localdate()
    year = year_param(request, today)
    table, due = compliance_figures(scope, year, today, request_version(request))
    only_missed = request.GET.get("missed") == "1"
    if only_missed:
        table = [row for row in table if row["missed"]]
    context = {
        "organization": scope,
        "year": year,
        "years": list(range(today.year, max(today.year - 5, 2000) - 1, -1)),
        "page": Paginator(table, PAGE_SIZE).get_page(request.GET.get("page")),
        "by_street": scope.kind == StreetKind,
        "quarter_names": [QUARTER_NAMES[q] for q in (1, 2, 3, 4)],
        "missed_total": sum(row["missed"] for row in table),
        "only_missed": only_missed,
        "query": f"org={scope.pk}&year={year}" + ("&missed=1" if only_missed else ""),
        "due": due[:DUE_SHOWN],
        "due_count": len(due),
        "is_street_staff": is_street_staff(request.user),
    }
    return render(request, "councils/rules/compliance.html", context)


def _compliance_rows(judgement, scope, year):
    """A row per community (below a street) or branch: missed and exempt periods per quarter and for
    the year, each opening the meetings of that organization, kind and period."""
    quarters = Period.of_year("quarter", year)
    spans = {q: (quarters[q - 1].start, quarters[q - 1].end) for q in (1, 2, 3, 4)}
    spans["year"] = (quarters[0].start, quarters[3].end)
    rows = {}
    for result in judgement.results:
        unit = _unit(judgement, result, scope)
        row = rows.setdefault(unit, {key: [] for key in spans})
        if result.status in (Status.MISSED, Status.EXEMPT):
            row[result.period.quarter or "year"].append(result)
    by_street = scope.kind == StreetKind
    table = []
    for unit, found in sorted(rows.items(), key=lambda item: judgement.paths.get(item[0], "")):
        cells = []
        for key, (start, end) in spans.items():
            missed = sum(result.status == Status.MISSED for result in found[key])
            items = [
                {
                    "text": _item_text(judgement, result, unit),
                    "exempt": result.status == Status.EXEMPT,
                    "href": _meetings_url(result.org_id, result.period.start, result.period.end, result.meeting_kind),
                }
                for result in found[key][:ITEMS_PER_CELL]
            ]
            cells.append({"count": missed, "href": _meetings_url(unit, start, end), "items": items})
        table.append(
            {
                "pk": unit,
                "name": judgement.names.get(unit, ""),
                "missed": sum(cell["count"] for cell in cells),
                "cells": cells,
                "href": f"{reverse('councils:compliance')}?org={unit}&year={year}" if by_street else None,
            }
        )
    return table


def _item_text(judgement, result, unit):
    text = _("%(period)s%(kind)s %(held)d/%(required)d") % {
        "period": result.period.label().removeprefix(f"{result.period.start.year}年") or _("全年"),
        "kind": result.kind_label,
        "held": result.held,
        "required": result.required,
    }
    if result.org_id != unit:
        text = f"{judgement.names.get(result.org_id, '')} {text}"
    if result.status == Status.EXEMPT:
        text += _("（已豁免）")
    return text
