"""IMS QTI 1.2 for Canvas and Blackboard: a zip with ``imsmanifest.xml`` (IMS Content
Packaging 1.1) and one assessment file; the texts are ``templates/qti.xml.j2`` and
``templates/imsmanifest.xml.j2``.

One item per variant, in a section that gives each student one of them. Each asked
quantity is a ``response_num`` (a decimal box) scored by ``vargte``/``varlte``: the range
that gets full credit (symprop.variants.marking). The zip's bytes depend only on its
contents (fixed entry times, sorted entries), so the same seed gives the same package.
"""

from __future__ import annotations

import io
import re
import zipfile

ASSESSMENT = "assessment.xml"
MANIFEST = "imsmanifest.xml"
_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can state: no clock in the bytes


def ident(name: str) -> str:
    """An XML identifier (QTI's ident) from the problem's name."""
    text = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_.-")
    return "symprop_" + (text or "problem")


def package(views, rendered: list) -> bytes:
    """The QTI zip for a run's rendered variants."""
    name = ident(views.plan.problem.name)
    context = {"ident": name, "title": views.plan.problem.name, "href": ASSESSMENT,
               "questions": [{**item.context, "statement": item.statement,
                              "feedback": item.feedback} for item in rendered]}
    members = {MANIFEST: views.fill("imsmanifest.xml.j2", context),
               ASSESSMENT: views.fill("qti.xml.j2", context)}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in sorted(members):
            info = zipfile.ZipInfo(member, _TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, members[member].encode("utf-8"))
    return buffer.getvalue()
