"""Forms for resident units (驻区单位) and their co-building agreements (共建协议)."""

from django import forms
from django.utils.translation import gettext_lazy as _lazy

from organizations.access import organizations_for
from organizations.models import Organization
from portal.forms import BoundedDates, DateInput, QuickSelect
from services.models import CoBuildingAgreement, ResidentUnit


def community_choices(user):
    """The open communities ``user`` may register units in, as select options."""
    communities = organizations_for(user, write=True).existing().filter(kind=Organization.Kind.COMMUNITY)
    return [(org.pk, org.name) for org in communities.only("pk", "name").order_by("path")]


class ResidentUnitForm(forms.ModelForm):
    organization = forms.TypedChoiceField(label=_lazy("所在社区"), coerce=int, widget=QuickSelect)
    offers = forms.MultipleChoiceField(
        label=_lazy("可提供资源"),
        choices=ResidentUnit.Offer.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ResidentUnit
        fields = ["name", "contact_name", "contact_phone", "party_organization", "offers", "offers_note", "asks"]
        widgets = {"asks": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "offers_note": _lazy("例如：周末开放礼堂，可容纳200人。"),
            "asks": _lazy("单位希望社区提供或协助的事项。"),
        }

    field_order = ["name", "organization"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = community_choices(user)
        self.fields["contact_phone"].widget.attrs.update(inputmode="tel", autocomplete="off")
        if self.instance.pk:
            self.initial["organization"] = self.instance.organization_id
            self.fields["organization"].disabled = True  # its agreements and projects hang on it
        elif len(self.fields["organization"].choices) == 1:
            self.initial.setdefault("organization", self.fields["organization"].choices[0][0])

    def clean(self):
        cleaned = super().clean()
        org = Organization.objects.filter(pk=cleaned.get("organization")).first()
        if org is not None:
            self.instance.organization = org
        return cleaned


class AgreementForm(BoundedDates, forms.ModelForm):
    organization = forms.TypedChoiceField(label=_lazy("签约组织"), coerce=int, widget=QuickSelect)

    class Meta:
        model = CoBuildingAgreement
        fields = ["title", "starts_on", "ends_on", "content"]
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "content": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {"ends_on": _lazy("长期有效的可不填。")}

    field_order = ["title", "organization", "starts_on", "ends_on", "content"]

    def __init__(self, *args, unit, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.instance.unit = unit
        # The unit's community or one of its branches, as far as the user may write there.
        choices = (
            organizations_for(user, write=True)
            .existing()
            .under(unit.organization)
            .filter(kind__in=[Organization.Kind.COMMUNITY, Organization.Kind.BRANCH])
            .order_by("path")
        )
        self.fields["organization"].choices = [
            (org.pk, ("　" * max(org.depth - 2, 0)) + org.name) for org in choices.only("pk", "name", "depth")
        ]
        if self.instance.pk:
            self.initial["organization"] = self.instance.organization_id
        else:
            self.initial.setdefault("organization", unit.organization_id)

    def clean(self):
        cleaned = super().clean()
        org = Organization.objects.filter(pk=cleaned.get("organization")).first()
        if org is not None:
            self.instance.organization = org
        return cleaned
