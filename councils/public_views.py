"""社区议事园: the public consultation pages, without login.

A community's items out for consultation, with the plan the secretary wrote for residents, a comment
form (shown after moderation), and the progress of items being carried out and done. Nothing here
hands a model to a template: every page is built from the explicit lists of public fields below,
so no member's name, phone, ID number or address can reach it by a template reaching through an
object. Items not published, not yet at the consult step, or of another community answer 404.
Comments are limited per address (``YISHI_COMMENT_RATE``, counted in the shared cache).
"""

import hashlib
import time

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from councils.council_forms import CommentForm
from councils.council_views import photo_response
from councils.models import PUBLIC_STEPS, AgendaItem, AgendaStep, Comment, ProgressNote, ProgressPhoto, Step
from organizations.models import Organization
from portal.models import client_ip

COMMENTS_SHOWN = 200
DONE_SHOWN = 20
COMMUNITIES_PER_PAGE = 100

# -- what residents may see: the explicit lists of public fields --------------------------------------

PUBLIC_ITEM_FIELDS = ("pk", "public_title", "public_text", "consult_until", "step", "step_on", "public_result")
PUBLIC_COMMENT_FIELDS = ("name", "body", "submitted_at")
PUBLIC_NOTE_FIELDS = ("on", "percent", "text")
PUBLIC_OUTCOME_FIELDS = ("result", "decided_on", "paper_vote", "votes_for", "votes_against", "votes_abstain")


def _fields(obj, names):
    return {name: getattr(obj, name) for name in names}


def public_status(item):
    """What residents read of where an item stands."""
    if item["step"] == Step.DONE:
        return _("已办结")
    if item["step"] == Step.IMPLEMENT:
        return _("实施中")
    return _("征求意见中") if item["accepts_comments"] else _("征求意见已结束")


def public_item(item, progress=0):
    found = _fields(item, PUBLIC_ITEM_FIELDS)
    found["accepts_comments"] = item.accepts_comments
    found["progress"] = 100 if item.step == Step.DONE else progress
    found["status"] = public_status(found)
    if item.step != Step.DONE:
        found["public_result"] = ""
    return found


def public_outcome(outcome):
    found = _fields(outcome, PUBLIC_OUTCOME_FIELDS)
    found["result"] = outcome.get_result_display()
    found["counts"] = outcome.counts_text
    return found


def public_community(organization):
    return {"pk": organization.pk, "name": organization.name}


def _progress_of(items):
    """{item id: latest percent} for ``items`` in one query."""
    latest = {}
    notes = ProgressNote.objects.filter(item__in=[item.pk for item in items]).order_by("item_id", "on", "id")
    for item_id, percent in notes.values_list("item_id", "percent"):
        latest[item_id] = percent
    return latest


def _community(pk):
    community = Organization.objects.existing().filter(pk=pk, kind=Organization.Kind.COMMUNITY).first()
    if community is None:
        raise Http404
    return community


def _item(community, item_pk):
    item = AgendaItem.objects.public().filter(pk=item_pk, organization=community).first()
    if item is None:
        raise Http404
    return item


# -- pages ------------------------------------------------------------------------------------------


def index(request):
    """The communities, with how many plans each has out for comment and being carried out."""
    public = AgendaItem.objects.public()
    communities = (
        Organization.objects.existing()
        .filter(kind=Organization.Kind.COMMUNITY)
        .annotate(
            consulting=Count("agenda_items", filter=Q(agenda_items__in=public.filter(step=Step.CONSULT))),
            implementing=Count("agenda_items", filter=Q(agenda_items__in=public.filter(step=Step.IMPLEMENT))),
        )
        .order_by("path")
        .values("pk", "name", "consulting", "implementing")
    )
    page = Paginator(communities, COMMUNITIES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "councils/public/index.html", {"page": page, "query": ""})


def community(request, pk):
    organization = _community(pk)
    public = AgendaItem.objects.public().filter(organization=organization)
    # Whether each item still takes comments is its consultation's: read with it, not once per item.
    consulting = list(public.filter(step=Step.CONSULT).select_related("consultation").order_by("-step_on", "-id")[:50])
    implementing = list(public.filter(step=Step.IMPLEMENT).order_by("-step_on", "-id")[:50])
    done = list(public.filter(step=Step.DONE).order_by("-step_on", "-id")[:DONE_SHOWN])
    progress = _progress_of(implementing)
    context = {
        "community": public_community(organization),
        "consulting": [public_item(item) for item in consulting],
        "implementing": [public_item(item, progress.get(item.pk, 0)) for item in implementing],
        "done": [public_item(item) for item in done],
    }
    return render(request, "councils/public/community.html", context)


def _item_context(organization, item, form=None):
    notes = list(item.progress_notes.prefetch_related("photos").order_by("on", "id"))
    steps = dict(AgendaStep.objects.filter(item=item, step__in=PUBLIC_STEPS).values_list("step", "on"))
    comments = item.comments.filter(status=Comment.Status.SHOWN).order_by("submitted_at", "id")[:COMMENTS_SHOWN]
    outcome = getattr(item, "consultation", None)
    public = public_item(item, notes[-1].percent if notes else 0)
    return {
        "community": public_community(organization),
        "item": public,
        "dates": {
            "published": steps.get(Step.CONSULT),
            "implementing": steps.get(Step.IMPLEMENT),
            "done": steps.get(Step.DONE),
        },
        "outcome": public_outcome(outcome) if outcome is not None else None,
        "notes": [
            {
                **_fields(note, PUBLIC_NOTE_FIELDS),
                "photos": [{"pk": photo.pk, "caption": photo.caption} for photo in note.photos.all()],
            }
            for note in notes
        ],
        "comments": [_fields(comment, PUBLIC_COMMENT_FIELDS) for comment in comments],
        "form": (form or CommentForm()) if public["accepts_comments"] else None,
        "max_length": Comment.MAX_LENGTH,
        "today": timezone.localdate(),
    }


def item(request, pk, item_pk):
    organization = _community(pk)
    found = _item(organization, item_pk)
    return render(request, "councils/public/item.html", _item_context(organization, found))


def _rate_key(request):
    address = client_ip(request) or "unknown"
    return "yishi-comments:" + hashlib.sha256(address.encode()).hexdigest()[:32]


def _recent_comments(request):
    _limit, seconds = settings.YISHI_COMMENT_RATE
    now = time.time()
    return [stamp for stamp in cache.get(_rate_key(request), []) if stamp > now - seconds]


@require_POST
def comment(request, pk, item_pk):
    """A resident's comment: refused, saving nothing, when one address has sent too many lately, when
    the plan no longer takes comments, or when the text is empty, too long or holds a phone number."""
    organization = _community(pk)
    found = _item(organization, item_pk)
    limit, seconds = settings.YISHI_COMMENT_RATE
    recent = _recent_comments(request)
    form = CommentForm(request.POST, instance=Comment(item=found), item=found)
    status = 200
    if not found.accepts_comments:
        messages.error(request, _("该方案的征求意见已经结束，不再接受意见。"))
        return redirect("yishi:item", pk=organization.pk, item_pk=found.pk)
    if len(recent) >= limit:
        form.add_error(
            None,
            _("您提交得太频繁了：同一网络%(minutes)d分钟内最多提交%(n)d条意见，请稍后再试。")
            % {"minutes": seconds // 60, "n": limit},
        )
        status = 429
    elif form.is_valid():
        form.save()
        cache.set(_rate_key(request), [*recent, time.time()], seconds)
        messages.success(request, _("已收到您的意见，谢谢！意见经社区审核后公开显示。"))
        return redirect(reverse("yishi:item", args=[organization.pk, found.pk]) + "#comments")
    context = _item_context(organization, found, form)
    return render(request, "councils/public/item.html", context, status=status)


def photo(request, pk):
    """A progress photo of a published item (the only file the public pages serve)."""
    found = (
        ProgressPhoto.objects.filter(pk=pk, note__item__in=AgendaItem.objects.public().values("pk"))
        .select_related("note")
        .first()
    )
    if found is None:
        raise Http404
    return photo_response(found)
