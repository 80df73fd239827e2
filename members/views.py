import datetime
import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members import disclosure, hooks
from members.changes import ARRIVALS, available_kinds, describe_change
from members.forms import MemberChangeForm, MemberDetailsForm, MemberFilterForm, NewMemberForm, StaleEdit
from members.models import Member, MemberChange, Standing, branches_and_groups
from organizations.access import (
    can_reveal_id,
    can_write_anything,
    covers,
    get_for_user,
    organization_param,
    scope_paths,
    scoped,
)
from organizations.models import Organization
from portal.dashboard import cached, request_version
from portal.exports import XlsxExport
from portal.identity import id_birth_date, id_gender, validate_id_number
from portal.models import AuditEntry
from portal.params import SEARCH_KEY, BadParameter, date_param, stash_search, stashed_search

PAGE_SIZE = 50


def _member_for(request, pk, write=False):
    return get_for_user(Member.objects.select_related("organization"), request.user, write, pk=pk)


def attach_places(members):
    """Give each member a ``place`` label (branch · group) with one query for the whole page."""
    members = list(members)
    places = branches_and_groups(members)
    for member in members:
        member.place = " · ".join(name for name in places[member.pk] if name)
    return members


@login_required
def roster_print(request, pk):
    """A node's roster for A4 printing; served at /organizations/<pk>/roster/print/ (portal_parts)."""
    node = get_for_user(Organization.objects.all(), request.user, pk=pk)
    members = attach_places(
        Member.objects.current()
        .under(node)
        .select_related("organization")
        .order_by("organization__path", "name_pinyin")
    )
    AuditEntry.record(request, AuditEntry.Action.EXPORT, node, summary=f"打印花名册：{node.name}（{len(members)}人）")
    return render(request, "members/roster_print.html", {"node": node, "members": members})


@login_required
def member_list(request):
    """The list, its filters and its search. The search term never appears in a URL (it can be an ID
    or phone number): the form is posted and the URL carries the key of the term kept in the session
    (``portal.params.stash_search``)."""
    if request.method == "POST" or "q" in request.GET:
        return _search_out_of_url(request)
    conditions = _list_conditions(request)
    if conditions is None:
        messages.warning(request, _("搜索条件已失效（例如已重新登录），请重新输入。"))
        conditions = request.GET.copy()
        conditions.pop(SEARCH_KEY)
    return _member_list_page(request, conditions, request.GET)


def _list_conditions(request):
    """The list's conditions from the URL, the search term taken from the session; None when the
    URL's search key is not this session's."""
    conditions = request.GET.copy()
    if SEARCH_KEY in conditions:
        term = stashed_search(request, conditions.pop(SEARCH_KEY)[-1])
        if term is None:
            return None
        conditions["q"] = term
    return conditions


def _search_out_of_url(request):
    """A posted search (or an old ``?q=`` link): the term into the session, the list at a URL without it."""
    source = request.POST if request.method == "POST" else request.GET
    url_query = QueryDict(mutable=True)
    for name, values in source.lists():
        if name not in ("q", "csrfmiddlewaretoken", "page"):
            url_query.setlist(name, [value for value in values if value])
    term = source.get("q", "").strip()
    if term:
        url_query[SEARCH_KEY] = stash_search(request, term)
    url = f"{request.path}?{url_query.urlencode()}" if url_query else request.path
    if not request.htmx:
        return redirect(url)
    conditions = url_query.copy()
    conditions.pop(SEARCH_KEY, None)
    if term:
        conditions["q"] = term
    response = _member_list_page(request, conditions, url_query)
    response["HX-Push-Url"] = url
    return response


def _member_list_page(request, conditions, url_query):
    form = MemberFilterForm(conditions or None, user=request.user)
    members = form.filter(scoped(Member.objects.select_related("organization"), request.user))
    page = ListPaginator(members, PAGE_SIZE, _count_key(form, request.user), request_version(request))
    page = page.get_page(conditions.get("page"))
    page.object_list = disclosure.attach_shown(attach_places(page.object_list), request.user)
    disclosure.audit_number_search(request, form.term(), page.paginator.count, "党员名单")
    query = url_query.copy()
    query.pop("page", None)
    can_write = can_write_anything(request.user)
    if can_write:
        _attach_actions(page.object_list, request.user)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_write": can_write,
        "action": ROW_ACTIONS.get(conditions.get("action", "")),
    }
    partial = request.htmx and request.htmx.target == "results"
    if partial and form.org_choices_follow_community:
        # The organizations offered follow the community chosen: the select is swapped in with the
        # results (the form listens for changes on the grid around it, which stays).
        form.fields["org"].widget.attrs["hx-swap-oob"] = "true"
        context["org_choices"] = form["org"]
    return render(request, "members/_results.html" if partial else "members/list.html", context)


class ListPaginator(Paginator):
    """Counts a list without a search term once per data change (``count_key``; None: every time):
    the street staff's list counts the whole register."""

    def __init__(self, object_list, per_page, count_key, version):
        super().__init__(object_list, per_page)
        self.count_key, self.version = count_key, version

    @cached_property
    def count(self):
        if self.count_key is None:
            return self.object_list.count()
        return cached(self.count_key, self.object_list.count, self.version)


def _count_key(form, user):
    """What the list's count depends on besides the data: the user's scope, the conditions and the
    day (attention items are due by the day); None for a search (its term stays out of the cache)."""
    conditions = form.valid_data()
    if conditions.get("q"):
        return None
    parts = [scope_paths(user), timezone.localdate().isoformat()]
    parts += [(name, getattr(value, "pk", value)) for name, value in sorted(conditions.items()) if name != "sort"]
    return "member-list-count:" + hashlib.sha1(repr(parts).encode()).hexdigest()


# Changes a row of the member list offers (arrivals and corrections start elsewhere).
ROW_ACTIONS = {
    kind.value: kind
    for kind in MemberChange.Kind
    if kind not in (*ARRIVALS, MemberChange.Kind.CORRECTION) or kind == MemberChange.Kind.TRANSFER_IN
}


def _attach_actions(members, user):
    """Each member's change menu for the list: the kinds that fit its state, where the user may write,
    as {kind: (label, link)}. Labels and links are made once per kind, not once per row and kind
    (fifty rows of six menu items each)."""
    labels = {kind: str(label) for kind, label in MemberChange.Kind.choices}
    links = {kind: reverse("members:change", args=[_ANY_PK, kind]) for kind in labels}
    for member in members:
        fits = covers(user, member.organization, write=True)
        kinds = available_kinds(member, with_correction=False) if fits else []
        member.actions = {kind: (labels[kind], links[kind].replace(str(_ANY_PK), str(member.pk))) for kind in kinds}


_ANY_PK = 9876543210  # stands for a member's pk in a link reversed once for all rows


class MemberListExport(XlsxExport):
    title = "党员名单"
    columns = [
        ("姓名", 10),
        ("性别", 6),
        ("民族", 8),
        ("出生日期", 12),
        ("身份证号", 22),
        ("联系电话", 15),
        ("所在支部", 22),
        ("所在党小组", 18),
        ("党员类别", 10),
        ("人员类别", 12),
        ("管理方式", 13),
        ("入党时间", 12),
        ("在册状态", 10),
        ("家庭住址", 30),
    ]

    def __init__(self, members, user, description):
        self.members, self.user, self.description = members, user, description

    def subtitle(self):
        return f"{super().subtitle()}　筛选条件：{self.description}"

    def rows(self):
        members = list(self.members)
        places = branches_and_groups(members)
        for member in members:
            shown = disclosure.disclose(member, self.user, reveal_id=True)  # an export is audited
            branch, group = places[member.pk]
            yield [
                member.name,
                member.get_gender_display(),
                member.ethnicity,
                shown.birth_cell,
                shown.id_number,
                shown.phone,
                branch,
                group,
                member.get_status_display(),
                member.get_category_display(),
                member.get_management_type_display(),
                member.joined_on,
                member.get_standing_display(),
                member.address,
            ]


@login_required
def member_export(request):
    conditions = _list_conditions(request)
    if conditions is None:  # exporting without the search would export more than was asked for
        raise BadParameter(_("搜索条件已失效（例如已重新登录），请回到党员名单重新搜索后再导出。"))
    form = MemberFilterForm(conditions or None, user=request.user)
    members = form.filter(scoped(Member.objects.select_related("organization"), request.user))
    disclosure.audit_number_search(request, form.term(), members, "导出党员名单")
    export = MemberListExport(members, request.user, form.describe())
    return export.response(request, f"党员名单-{datetime.date.today():%Y%m%d}.xlsx")


@login_required
def member_detail(request, pk):
    member = _member_for(request, pk)
    timeline = (
        member.changes.select_related("organization", "from_organization", "recorded_by", "reverses")
        .prefetch_related("reversed_by")
        .order_by("-effective_date", "-id")
    )
    may_write = covers(request.user, member.organization, write=True)
    return render(
        request,
        "members/detail.html",
        {
            "member": member,
            "timeline": timeline,
            "place": attach_places([member])[0].place,
            "shown": disclosure.disclose(member, request.user),
            "actions": [MemberChange.Kind(kind) for kind in available_kinds(member)] if may_write else [],
            "can_reveal": can_reveal_id(request.user, member.organization),
            "can_write": may_write,
            "probation": member.probation() if member.standing == Standing.ACTIVE else None,
            "sections": hooks.sections_for(request, member),
        },
    )


@login_required
def member_print(request, pk):
    member = _member_for(request, pk)
    reveal = can_reveal_id(request.user, member.organization)
    if reveal:
        AuditEntry.record(request, AuditEntry.Action.REVEAL_ID, member, summary=f"打印党员信息：{member.name}")
    return render(
        request,
        "members/print.html",
        {
            "member": member,
            "shown": disclosure.disclose(member, request.user, reveal_id=reveal),
            "place": attach_places([member])[0].place,
            "timeline": member.valid_changes().select_related("organization"),
        },
    )


@login_required
@require_POST
def reveal_id(request, pk):
    member = _member_for(request, pk)
    if not can_reveal_id(request.user, member.organization):
        raise PermissionDenied
    AuditEntry.record(request, AuditEntry.Action.REVEAL_ID, member, summary=f"查看完整身份证号：{member.name}")
    return render(request, "members/_id_number.html", {"member": member})


@login_required
def member_edit(request, pk):
    member = _member_for(request, pk, write=True)
    may_reveal = can_reveal_id(request.user, member.organization)
    reveal = may_reveal and request.GET.get("reveal") == "id"
    form = MemberDetailsForm(request.POST or None, instance=member, user=request.user, reveal_id=reveal)
    if request.method == "POST" and form.is_valid():
        try:
            saved = form.save_audited(request)
        except StaleEdit:
            pass  # the form now says what the other person changed
        else:
            messages.success(request, _("已保存%(name)s的信息。") % {"name": saved.name})
            return redirect("members:detail", pk=member.pk)
    if reveal:  # the page about to be sent holds the full number
        AuditEntry.record(request, AuditEntry.Action.REVEAL_ID, member, summary=f"修改身份证号：{member.name}")
    context = {"member": member, "form": form, "shown": form.shown, "may_reveal": may_reveal and not reveal}
    status = 409 if form.others_changes is not None else 200
    return render(request, "members/edit.html", context, status=status)


def _confirm_or_save(request, form, member, template_context):
    """Form → summary of what will happen → save. Returns the saved change or a response."""
    if request.method == "POST" and form.is_valid():
        if request.POST.get("confirm"):
            saved = form.save()
            if saved is not None:
                return saved
            return _change_form(request, form, template_context)  # someone else's change came first
        change = form.build_change(member) if member else None
        return render(
            request,
            "members/change_confirm.html",
            {
                **template_context,
                "form": form,
                "summary": describe_change(change, member) if member else [],
                "fields": _filled_fields(form),
            },
        )
    return _change_form(request, form, template_context)


def _change_form(request, form, template_context):
    # 409 when refused because someone else changed the member meanwhile: a conflict, not a typo.
    status = 409 if getattr(form, "conflict", False) else 200
    return render(request, "members/change_form.html", {**template_context, "form": form}, status=status)


def _filled_fields(form):
    shown = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if value in (None, "") or name in ("arrival", "community") or field.widget.is_hidden:
            continue
        if hasattr(field, "choices") and not hasattr(value, "pk"):
            value = dict(field.choices).get(value, value)
        shown.append((field.label, value))
    return shown


@login_required
def member_change(request, pk, kind):
    member = _member_for(request, pk, write=True)
    if kind not in MemberChange.Kind.values:
        raise Http404
    kind = MemberChange.Kind(kind)
    form = MemberChangeForm(request.POST or None, member=member, kind=kind, user=request.user, request=request)
    # A form built before someone else's change gets the form page saying so (not "not possible now").
    if kind not in available_kinds(member) and not form.built_on_older_version():
        messages.error(request, _("该党员当前不能登记“%(kind)s”。") % {"kind": kind.label})
        return redirect("members:detail", pk=member.pk)
    last = member.valid_changes().last() if kind == MemberChange.Kind.CORRECTION else None
    result = _confirm_or_save(request, form, member, {"member": member, "kind": kind, "reversed": last})
    if isinstance(result, MemberChange):
        messages.success(request, _("已登记：%(kind)s。") % {"kind": kind.label})
        return redirect("members:detail", pk=member.pk)
    return result


@login_required
def member_new(request):
    if not can_write_anything(request.user):
        raise PermissionDenied
    if request.method == "POST" and request.POST.get("refresh"):
        # Another arrival kind was chosen: the form again for it, with what was typed so far (posted,
        # so that an ID number typed before never travels in a URL).
        form = NewMemberForm(None, initial=request.POST.dict(), user=request.user, request=request)
        return _change_form(request, form, {"new": True})
    form = NewMemberForm(request.POST or None, initial=request.GET.dict(), user=request.user, request=request)
    if request.method == "POST" and form.is_valid() and request.POST.get("confirm"):
        change = form.save()
        if change is None:  # the ID number was registered by someone else a moment ago
            return _change_form(request, form, {"new": True})
        messages.success(
            request, _("已为%(name)s建档：%(kind)s。") % {"name": change.member.name, "kind": change.get_kind_display()}
        )
        return redirect("members:detail", pk=change.member_id)
    return _confirm_or_save(request, form, None, {"new": True})


@login_required
@require_POST  # an ID number in a query string would stay in logs and the browser's history
def check_id(request):
    """As the ID number is typed: check digit, birth date and gender, and whether it is on the register."""
    if not can_write_anything(request.user):
        raise PermissionDenied  # only those who may add members learn whether a number is registered
    raw = request.POST.get("id_number", "")
    context = {"raw": raw}
    try:
        number = validate_id_number(raw)
    except ValidationError as error:
        context["error"] = error.messages[0] if len(raw.strip()) >= 18 else ""
        return render(request, "members/_id_check.html", context)
    context.update(number=number, birth_date=id_birth_date(number), gender=id_gender(number))
    same = list(Member.objects.filter(id_number=number).select_related("organization").order_by("-id"))
    disclosure.audit_number_search(request, number, len(same), "身份证号检查")
    current = next((member for member in same if member.standing == Standing.ACTIVE), None)
    if current:
        context["current"] = current
        context["current_visible"] = covers(request.user, current.organization)
    else:
        context["former"] = next((m for m in same if covers(request.user, m.organization)), None)
    return render(request, "members/_id_check.html", context)


@login_required
def change_list(request):
    """Every entry of a period under an organization, the month's by default: the whole list behind
    the home page's "本月党员变动（n条）", and the change ledger to download."""
    organization = organization_param(request)
    today = datetime.date.today()
    start, start_problem = date_param(request, "start")
    end, end_problem = date_param(request, "end")
    start = start or today.replace(day=1)
    end = min(end or today, today)
    entries = (
        MemberChange.objects.of_period(organization, start, end)
        .select_related("member", "organization", "from_organization", "recorded_by", "reverses")
        .order_by("-effective_date", "-id")
    )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = f"org={organization.pk}&start={start:%Y-%m-%d}&end={end:%Y-%m-%d}"
    context = {
        "organization": organization,
        "start": start,
        "end": end,
        "today": today,
        "page": page,
        "query": query,
        "problems": [problem for problem in (start_problem, end_problem) if problem],
    }
    return render(request, "members/change_list.html", context)
