def admin_form_data(page, **changes):
    """What a browser would post back from an admin change page: the form's values, the inlines'
    management forms, and ``changes`` on top."""
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {name: "" if value is None else value for name, value in data.items()}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    return {**data, **changes}
