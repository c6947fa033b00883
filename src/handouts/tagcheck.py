"""Reading a built handout back to check its tagging (``handouts check``'s "tagged PDF").

It checks what a machine can of PDF/UA-1 for documents like ours, from the bytes alone
(pypdf): the catalog's flags, language, title and XMP identifier; every page's parent
tree key and tab order; every painting operator inside marked content (real content
with an MCID, or an artifact); every MCID owned by exactly the element the parent tree
names; one H1; alternative text on every figure. ``docs/accessibility.md`` lists the
rules and which test covers each; what only a person can judge (is the alternative
text right, is the reading order sensible) is not checked here.
"""

from __future__ import annotations

import io
import re
from typing import Any

#: Operators that paint: text, paths, images and forms, shadings.
PAINTING = frozenset({b"Tj", b"TJ", b"'", b'"', b"S", b"s", b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*", b"Do", b"sh", b"BI"})


def problems(pdf: bytes) -> list[str]:
    """What is wrong with a PDF's tagging, one line each (empty: nothing found)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    if "/StructTreeRoot" not in root:
        return ["not tagged: no structure tree (/StructTreeRoot)"]
    out: list[str] = []
    if not _get(root, "/MarkInfo", {}).get("/Marked"):
        out.append("/MarkInfo /Marked is not true")
    if not str(root.get("/Lang", "")).strip():
        out.append("no document language (/Lang)")
    if not _get(root, "/ViewerPreferences", {}).get("/DisplayDocTitle"):
        out.append("/ViewerPreferences /DisplayDocTitle is not true")
    metadata = _get(root, "/Metadata", None)
    xmp = metadata.get_data() if metadata is not None else b""
    if b"<pdfuaid:part>1</pdfuaid:part>" not in xmp:
        out.append("no PDF/UA-1 identifier (pdfuaid:part) in the XMP metadata")
    if b"<dc:title>" not in xmp or not str((reader.metadata or {}).get("/Title", "")).strip():
        out.append("no title (document information and XMP dc:title)")
    tree = _get(root, "/StructTreeRoot", {})
    owners = _parent_tree(tree)
    claimed: dict[tuple[int, int], Any] = {}
    roles: list[str] = []
    page_numbers = {page.indirect_reference.idnum: n for n, page in enumerate(reader.pages)}
    _walk(_get(tree, "/K", None), None, claimed, roles, page_numbers, out)
    if roles.count("/H1") != 1:
        out.append(f"{roles.count('/H1')} level-1 headings (H1); expected one, the title")
    for n, page in enumerate(reader.pages):
        key = page.get("/StructParents")
        if key is None:
            out.append(f"page {n + 1}: no /StructParents")
            continue
        if page.get("/Tabs") != "/S":
            out.append(f"page {n + 1}: tab order (/Tabs) does not follow the structure")
        unmarked, mcids = _marked_content(page, reader)
        if unmarked:
            out.append(f"page {n + 1}: {unmarked} painting operators outside marked content (neither tagged nor an artifact)")
        listed = owners.get(int(key), [])
        for mcid in mcids:
            owner = claimed.get((n, mcid))
            if owner is None:
                out.append(f"page {n + 1}: marked content {mcid} belongs to no structure element")
            elif mcid >= len(listed) or listed[mcid] != owner:
                out.append(f"page {n + 1}: the parent tree names another element for marked content {mcid}")
    return out


def _get(d: Any, key: str, default: Any) -> Any:
    value = d.get(key, default) if d is not None else default
    return value.get_object() if hasattr(value, "get_object") else value


def _parent_tree(tree: Any) -> dict[int, list[Any]]:
    """The parent tree's arrays by key (a flat /Nums, as handouts writes it)."""
    nums = _get(_get(tree, "/ParentTree", {}), "/Nums", [])
    out: dict[int, list[Any]] = {}
    for i in range(0, len(nums) - 1, 2):
        out[int(nums[i])] = [getattr(ref, "idnum", None) for ref in nums[i + 1].get_object()]
    return out


def _walk(node: Any, page: int | None, claimed: dict, roles: list[str], pages: dict[int, int], out: list[str]) -> None:  # noqa: ANN001
    """Record which element owns each (page, MCID), and the roles in reading order."""
    if node is None:
        return
    ref = getattr(node, "idnum", None)
    obj = node.get_object()
    if isinstance(obj, list):
        for kid in obj:
            _walk(kid, page, claimed, roles, pages, out)
        return
    if not hasattr(obj, "get"):
        return
    role = str(obj.get("/S", ""))
    roles.append(role)
    if role == "/Figure" and not (str(obj.get("/Alt", "")).strip() or str(obj.get("/ActualText", "")).strip()):
        out.append("a figure has no alternative text (/Alt)")
    pg = obj.get("/Pg")
    here = pages.get(pg.idnum) if pg is not None else page
    kids = obj.get("/K")  # a reference stays a reference: it names the kid's owner
    if kids is not None and isinstance(kids.get_object(), list):
        kids = kids.get_object()
    for kid in kids if isinstance(kids, list) else ([] if kids is None else [kids]):
        if isinstance(kid, int):
            if here is None:
                out.append(f"{role} holds marked content {kid} but names no page (/Pg)")
            elif (here, int(kid)) in claimed:
                out.append(f"page {here + 1}: marked content {kid} belongs to two elements")
            else:
                claimed[(here, int(kid))] = ref
            continue
        kid_obj = kid.get_object()
        if hasattr(kid_obj, "get") and kid_obj.get("/Type") == "/MCR":
            mcr_page = pages.get(kid_obj.raw_get("/Pg").idnum) if "/Pg" in kid_obj else here
            claimed[(mcr_page, int(kid_obj["/MCID"]))] = ref
        elif hasattr(kid_obj, "get") and kid_obj.get("/Type") == "/OBJR":
            continue
        else:
            _walk(kid, here, claimed, roles, pages, out)


def _marked_content(page: Any, reader: Any) -> tuple[int, list[int]]:
    """How many painting operators sit outside any marked content that is either real
    content (an MCID) or an artifact, and the MCIDs the page's content uses. (A
    tokenizer of its own: pypdf's content parser takes half a second a handout.)"""
    contents = page.get_contents()
    if contents is None:
        return 0, []
    stack: list[bool] = []  # per open sequence: whether it (or one around it) is marked
    unmarked, mcids = 0, []
    operands: list[bytes] = []
    for match in _TOKEN.finditer(contents.get_data()):
        token = match.group()
        if not _OPERATOR.fullmatch(token):
            operands.append(token)
            continue
        if token in (b"BDC", b"BMC"):
            tag = next((o for o in operands if o.startswith(b"/")), b"")
            mcid = _MCID.search(b" ".join(operands)) if token == b"BDC" else None
            if mcid is not None:
                mcids.append(int(mcid.group(1)))
            stack.append(bool(stack and stack[-1]) or mcid is not None or tag == b"/Artifact")
        elif token == b"EMC":
            if stack:
                stack.pop()
        elif token in PAINTING and not (stack and stack[-1]):
            unmarked += 1
        operands = []
    return unmarked, mcids


# Content-stream tokens: strings (with escapes), hex strings, dictionaries' brackets,
# arrays' brackets, names, and bare words (numbers and operators).
_TOKEN = re.compile(rb"\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]*>|<<|>>|\[|\]|/[^\s/\[\]()<>{}%]*|[^\s/\[\]()<>{}%]+")
_OPERATOR = re.compile(rb"[A-Za-z'\"][A-Za-z0-9*'\"]*")
_MCID = re.compile(rb"/MCID\s+(\d+)")
