"""Spreadsheets built to take the importer down, and a child process to read them in.

Used by tests/members/test_hostile_files.py and bench/hostile_files.py. The .xlsx files are
written as raw XML (quick, and able to say what openpyxl would not: cells without references,
lying dimensions, lying sizes); the .xls ones as a minimal BIFF8 stream in a compound file.
"""

import io
import json
import struct
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        f'2006/relationships"><Relationship Id="rId1" Type="{RELATIONSHIP}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIP}"><sheets>'
        '<sheet name="花名册" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        f'2006/relationships"><Relationship Id="rId1" Type="{RELATIONSHIP}/worksheet" '
        'Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}
HEADER = '<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c><c r="B1" t="inlineStr"><is><t>身份证号</t>'
HEADER = (HEADER + "</is></c></row>").encode()


def cell(ref, value="1"):
    return f'<c r="{ref}"><v>{value}</v></c>'.encode()


def xlsx(rows, dimension=None, tail=b"", extra=None):
    """A workbook whose first sheet's <sheetData> holds ``rows`` (bytes, or an iterable of bytes)."""
    rows = [rows] if isinstance(rows, bytes) else rows
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in PARTS.items():
            archive.writestr(name, content)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'.encode())
            if dimension:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            sheet.write(b"<sheetData>")
            for chunk in rows:
                sheet.write(chunk)
            sheet.write(b"</sheetData>" + tail + b"</worksheet>")
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def far_cell(ref):
    """The header, one member, and one value at ``ref``."""
    return xlsx(HEADER + b'<row r="2">' + cell("A2", "2") + b"</row>" + cell(ref))


def many_rows(count):
    """A roster of ``count`` real rows (name and ID number), streamed: 200,000 rows take a second."""

    def rows():
        yield HEADER
        for start in range(2, count + 2, 1000):
            yield b"".join(
                b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>name%d</t></is></c><c r="B%d" t="inlineStr">'
                b"<is><t>11010119600101%04d</t></is></c></row>" % (n, n, n, n, n % 10000)
                for n in range(start, min(start + 1000, count + 2))
            )

    return xlsx(rows())


def lying_about_size(data, name="xl/worksheets/sheet1.xml", declared=1000):
    """``data`` rewritten so that ``name`` declares ``declared`` bytes, whatever it inflates to."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))  # plain headers, no data descriptor
    patched = bytearray(out.getvalue())
    encoded = name.encode()
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = patched.find(signature)
        while at >= 0:
            length = struct.unpack_from("<H", patched, at + (26 if name_at == 30 else 28))[0]
            if patched[at + name_at : at + name_at + length] == encoded:
                struct.pack_into("<I", patched, at + size_at, declared)
            at = patched.find(signature, at + 4)
    return bytes(patched)


def xls(cells):
    """A minimal .xls: one sheet with ``cells`` = [(row, column, text or number)], both from 0."""
    return _compound_file(_biff8(cells))


def _record(kind, body=b""):
    return struct.pack("<HH", kind, len(body)) + body


def _biff8(cells):
    strings = sorted({value for _r, _c, value in cells if isinstance(value, str)})
    index = {text: n for n, text in enumerate(strings)}
    table = struct.pack("<II", len(strings), len(strings)) + b"".join(
        struct.pack("<HB", len(text), 1) + text.encode("utf-16-le") for text in strings
    )

    def begin(kind):
        return _record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 6))

    def workbook(sheet_at):
        sheet = _record(0x0085, struct.pack("<IBBBB", sheet_at, 0, 0, 1, 0) + b"S")
        return begin(0x0005) + sheet + _record(0x00FC, table) + _record(0x000A)

    sheet = begin(0x0010)
    for row, col, value in cells:
        if isinstance(value, str):
            sheet += _record(0x00FD, struct.pack("<HHHI", row, col, 0, index[value]))
        else:
            sheet += _record(0x0203, struct.pack("<HHHd", row, col, 0, float(value)))
    stream = workbook(len(workbook(0))) + sheet + _record(0x000A)
    return stream.ljust(4096, b"\0")  # from 4096 bytes on a stream lives in ordinary sectors


def _compound_file(stream):
    end, free, fat_sector, none = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    sectors = -(-len(stream) // 512)
    fat = [end, fat_sector] + [3 + n for n in range(sectors - 1)] + [end]
    fat += [free] * (128 - len(fat))
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
    header += bytes(6) + struct.pack("<9I", 0, 1, 0, 0, 4096, end, 0, end, 0)
    header += struct.pack("<I", 1) + struct.pack("<I", free) * 108

    def entry(name, kind, child, start, size):
        encoded = (name + "\0").encode("utf-16-le")
        fixed = struct.pack("<HBB3I", len(encoded), kind, 1, none, none, child) + bytes(36)
        return encoded.ljust(64, b"\0") + fixed + struct.pack("<IQ", start, size)

    directory = entry("Root Entry", 5, 1, end, 0) + entry("Workbook", 2, none, 2, len(stream))
    body = directory.ljust(512, b"\0") + struct.pack("<128I", *fat) + stream.ljust(sectors * 512, b"\0")
    return header + body


CHILD = textwrap.dedent(
    """
    import json, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[2]), int(sys.argv[2])))
    from members.roster import RosterError, read_roster
    data = open(sys.argv[1], "rb").read()
    try:
        outcome = {"rows": len(read_roster(data).rows)}
    except RosterError as error:
        outcome = {"message": str(error)}
    # Its own peak since exec: ru_maxrss starts at the test runner's size when Python forks.
    outcome["rss"] = next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmHWM:"))
    print(json.dumps(outcome, ensure_ascii=False))
    """
)


def read_in_child(path, address_space=1 << 30):
    """read_roster on the file at ``path`` in a child process whose address space is capped.

    Returns (exit code, {"rows" or "message", "rss": peak resident bytes}); a process killed by
    an allocation it could not make has a negative exit code and no answer."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(address_space)],
        cwd=ROOT,
        capture_output=True,
        timeout=300,
    )
    answer = json.loads(done.stdout.decode().strip().splitlines()[-1]) if done.returncode == 0 else {}
    return done.returncode, answer
