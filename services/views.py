"""Service teams (党员志愿服务队, 党员义工队, …) and their members, per organization."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members.views import attach_places
from organizations.access import can_write_anything, covers, get_for_user, organization_param
from organizations.models import Organization
from services.forms import JoinTeamForm, LeaveTeamForm, TeamForm
from services.models import ServiceTeam

PAGE_SIZE = 50


def _team_for(request, pk, write=False):
    return get_for_user(ServiceTeam.objects.select_related("organization", "leader"), request.user, write, pk=pk)


@login_required
def team_list(request):
    organization = organization_param(request)
    today = datetime.date.today()
    show_dissolved = request.GET.get("dissolved") == "1"
    teams = ServiceTeam.objects.filter(organization__in=Organization.objects.under(organization).values("pk"))
    if not show_dissolved:
        teams = teams.filter(dissolved_on__isnull=True)
    current = Q(memberships__joined_on__lte=today) & (
        Q(memberships__left_on__isnull=True) | Q(memberships__left_on__gt=today)
    )
    teams = (
        teams.select_related("organization", "leader")
        .annotate(member_count=Count("memberships", filter=current))
        .order_by("organization__path", "name", "id")
    )
    page = Paginator(teams, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "organization": organization,
        "page": page,
        "query": f"org={organization.pk}&dissolved={'1' if show_dissolved else ''}",
        "show_dissolved": show_dissolved,
        "can_write": can_write_anything(request.user),
    }
    return render(request, "services/team_list.html", context)


@login_required
def team_new(request):
    if not can_write_anything(request.user):
        raise PermissionDenied
    form = TeamForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        team = form.save()
        messages.success(request, _("已建立服务队“%(name)s”。") % {"name": team.name})
        return redirect("services:team", pk=team.pk)
    return render(request, "services/team_form.html", {"form": form})


@login_required
def team_detail(request, pk):
    team = _team_for(request, pk)
    show_former = request.GET.get("former") == "1"
    memberships = team.memberships.select_related("member", "member__organization").order_by(
        "left_on", "member__name_pinyin", "id"
    )
    if not show_former:
        memberships = memberships.filter(left_on__isnull=True)
    page = Paginator(memberships, PAGE_SIZE).get_page(request.GET.get("page"))
    attach_places([membership.member for membership in page.object_list])
    may_write = covers(request.user, team.organization, write=True)
    context = {
        "team": team,
        "page": page,
        "show_former": show_former,
        "can_write": may_write,
        "join_form": JoinTeamForm(team=team, user=request.user) if may_write and not team.dissolved_on else None,
        "recent": team.activities.order_by("-starts_at")[:10],
    }
    return render(request, "services/team_detail.html", context)


@login_required
def team_edit(request, pk):
    team = _team_for(request, pk, write=True)
    form = TeamForm(request.POST or None, instance=team, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("已保存服务队“%(name)s”。") % {"name": team.name})
        return redirect("services:team", pk=team.pk)
    return render(request, "services/team_form.html", {"form": form, "team": team})


@login_required
@require_POST
def team_join(request, pk):
    team = _team_for(request, pk, write=True)
    form = JoinTeamForm(request.POST, team=team, user=request.user)
    if form.is_valid() and form.save() is not None:
        messages.success(request, _("已加入服务队。"))
        return redirect("services:team", pk=team.pk)
    return render(request, "services/team_join.html", {"team": team, "form": form})


@login_required
def team_leave(request, pk, membership_pk):
    team = _team_for(request, pk, write=True)
    membership = team.memberships.select_related("member").filter(pk=membership_pk, left_on__isnull=True).first()
    if membership is None:
        raise Http404
    form = LeaveTeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        membership.left_on = form.cleaned_data["left_on"]
        try:
            membership.full_clean()
        except ValidationError as error:
            form.add_error("left_on", error.message_dict.get("left_on") or error.messages)
        else:
            membership.save(update_fields=["left_on"])
            if team.leader_id == membership.member_id:
                team.leader = None
                team.save(update_fields=["leader"])
            messages.success(request, _("%(name)s已退出服务队。") % {"name": membership.member.name})
            return redirect("services:team", pk=team.pk)
    return render(request, "services/team_leave.html", {"team": team, "membership": membership, "form": form})
