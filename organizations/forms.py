import datetime

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from organizations.access import member_organizations_for, organizations_for
from organizations.models import Organization
from portal.forms import DateInput
from portal.params import pk_or_none

Kind = Organization.Kind


def _select(url, target):
    """A select that refills the next one (community → branch → group) without a page reload."""
    return forms.Select(attrs={"hx-get": url, "hx-target": target, "hx-trigger": "change", "hx-swap": "innerHTML"})


def children_in(queryset, parent):
    """The direct children of ``parent`` within ``queryset`` (none without a parent)."""
    if parent is None:
        return queryset.none()
    return queryset.filter(path__startswith=parent.path, depth=parent.depth + 1)


class OrganizationPicker(forms.Form):
    """Community → branch → (optional) group, limited to where the user may place members.

    Mixed into forms that place a member somewhere; ``cleaned_data["organization"]`` is the
    group if one is chosen, else the branch.
    """

    picker_fields = ("community", "branch", "group")

    def add_picker(self, user, initial=None):
        places = member_organizations_for(user).select_related(None)
        community_paths = {org.path[: 2 * Organization.steplen] for org in places}
        communities = Organization.objects.filter(path__in=community_paths)
        options = reverse("organizations:options")
        self.fields["community"] = forms.ModelChoiceField(
            label=_("社区党组织"),
            queryset=communities,
            empty_label=_("请选择社区"),
            widget=_select(f"{options}?level=branch", "#id_branch"),
        )
        self.fields["branch"] = forms.ModelChoiceField(
            label=_("党支部"),
            queryset=places.filter(kind=Kind.BRANCH),
            empty_label=_("请选择党支部"),
            widget=_select(f"{options}?level=group", "#id_group"),
        )
        self.fields["group"] = forms.ModelChoiceField(
            label=_("党小组"),
            queryset=places.filter(kind=Kind.GROUP),
            required=False,
            empty_label=_("不编入党小组（直属支部）"),
        )
        if initial is not None:
            self._set_initial_place(initial)
        elif communities.count() == 1:
            self.initial.setdefault("community", communities.first().pk)
        self._narrow_choices()

    def _set_initial_place(self, org):
        """Preselect the community, branch and group ``org`` sits in (one query)."""
        levels = (("community", 2), ("branch", 3), ("group", 4))
        names = {org.path[: depth * org.steplen]: name for name, depth in levels if org.depth >= depth}
        for path, pk in Organization.objects.filter(path__in=names).values_list("path", "pk"):
            self.initial.setdefault(names[path], pk)

    def _chosen(self, name):
        value = self.data.get(self.add_prefix(name)) if self.is_bound else self.initial.get(name)
        return str(value or "")

    def _narrow_choices(self):
        """Offer only the branches of the chosen community and the groups of the chosen branch."""
        for name, parent_name in (("branch", "community"), ("group", "branch")):
            field, chosen = self.fields[name], self._chosen(parent_name)
            parent = Organization.objects.filter(pk=pk_or_none(chosen)).first()
            children = children_in(field.queryset, parent)
            field.widget.choices = [("", field.empty_label)] + [(org.pk, org.name) for org in children]

    def clean_picker(self):
        data = self.cleaned_data
        community, branch, group = data.get("community"), data.get("branch"), data.get("group")
        if community and branch and not branch.path.startswith(community.path):
            self.add_error("branch", _("该党支部不属于所选社区。"))
        elif branch and group and not group.path.startswith(branch.path):
            self.add_error("group", _("该党小组不属于所选党支部。"))
        return group or branch


class NodeForm(forms.Form):
    """Create a branch or group under a node."""

    name = forms.CharField(label=_("名称"), max_length=100)
    branch_kind = forms.ChoiceField(label=_("支部类型"), choices=Organization.BranchKind.choices, required=False)
    established_on = forms.DateField(label=_("成立日期"), initial=datetime.date.today, widget=DateInput())


class RenameForm(forms.Form):
    name = forms.CharField(label=_("新名称"), max_length=100)
    effective_date = forms.DateField(label=_("生效日期"), initial=datetime.date.today, widget=DateInput())


class MoveForm(forms.Form):
    parent = forms.ModelChoiceField(label=_("调整到"), queryset=Organization.objects.none())
    effective_date = forms.DateField(label=_("生效日期"), initial=datetime.date.today, widget=DateInput())

    def __init__(self, *args, node, user, **kwargs):
        super().__init__(*args, **kwargs)
        parent_kind = Organization.PARENT_KIND[node.kind]
        current = Organization.objects.get_parent(node)
        self.fields["parent"].queryset = (
            organizations_for(user, write=True).existing().filter(kind=parent_kind).exclude(pk=current.pk)
        )


class DissolveForm(forms.Form):
    effective_date = forms.DateField(label=_("撤销日期"), initial=datetime.date.today, widget=DateInput())
    move_members_to = forms.ModelChoiceField(
        label=_("在册党员调整到"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("该组织仍有在册党员时必选；每名党员的调整都记入变动记录。"),
    )

    def __init__(self, *args, node, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["move_members_to"].queryset = (
            member_organizations_for(user)
            .filter(path__startswith=node.community_path or node.path)
            .exclude(path__startswith=node.path)
        )
