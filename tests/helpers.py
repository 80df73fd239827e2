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


def response_text(response):
    """Everything a response shows, as text: the page or fragment itself, each cell of a workbook
    (dates as 1958-03-02), and the content of every signed value in it (signed is not encrypted)."""
    import datetime
    import json
    import re
    from io import BytesIO

    from django.core import signing
    from openpyxl import load_workbook

    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        book = load_workbook(BytesIO(response.content))
        cells = [cell for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row]
        return "\n".join(f"{c:%Y-%m-%d}" if isinstance(c, datetime.date) else str(c) for c in cells if c is not None)
    if getattr(response, "streaming", False):  # a file (a meeting's photo): whatever text it holds
        return b"".join(response.streaming_content).decode(errors="replace")
    text = response.content.decode()
    for value in re.findall(r'value="([^"]+)"', text):
        try:
            text += "\n" + json.dumps(signing.loads(value.replace("&quot;", '"')), ensure_ascii=False)
        except signing.BadSignature:
            pass
    return text
