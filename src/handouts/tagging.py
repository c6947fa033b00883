"""Tagged PDF (PDF/UA-1): the structure tree, built while the pages are drawn.

ReportLab writes no structure, so handouts keeps its own. Every drawing call of a
handout happens inside one of three wrappers, each a context manager on the canvas:

- :func:`text` around a paragraph: a new structure element (``P``, ``H2``...; the role
  comes from the paragraph's style, :data:`ROLES`) holding one marked-content sequence
  (``/P <</MCID 3>> BDC … EMC``);
- :func:`group` around a container (a list, a side-effect tier, the Key points box):
  an element the paragraphs drawn inside become children of; :func:`figure` a group
  whose whole drawing is one marked-content sequence, with alternative text;
- :func:`artifact` around what is not content (rules, band colours, icons, headers,
  footers, page numbers): ``/Artifact BMC … EMC``, and nothing inside is tagged.

Pages are drawn in reading order (left column before right, right before left in
Arabic), so elements are created in reading order too. A paragraph, list or tier split
across columns or pages continues the element its first part opened.

Drawing that is replayed from the speed layer's recordings happens inside these
wrappers: marked content is written around a replay, never recorded into one. Canvases
that are not a handout's (a logo recorded for the cache) have no tree, and the
wrappers then only draw.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from reportlab.pdfbase.pdfdoc import PDFObject

from . import internals

#: Structure roles of paragraph styles (by style name); unlisted styles are ``P``, and
#: ``None`` marks page furniture (an artifact).
ROLES: dict[str, str | None] = {
    "band_title": "H1",  # the handout's title, in page 1's band
    "heading": "H2",  # a section
    "kp": "H2",  # the Key points box's title
    "tier_title": "H3",  # a side-effect tier
    "question": "H3",  # a question and its answer
    "later": None,  # the running head of later pages
    "footer": None,
    "footer_r": None,
}

def list_attributes(numbering: str = "/None") -> dict[str, str]:
    """The /A attributes of a list (L): its numbering, /Disc for bullets."""
    return {"O": "/List", "ListNumbering": numbering}


#: What a list item's drawn marker reads as.
MARKER_TEXT = {"check": "\u2610", "bullet": "\u2022"}


@dataclass(eq=False)
class Element:
    """A structure element: its role, attributes, and kids in reading order (elements,
    or marked content as (page number, MCID))."""

    role: str
    parent: Element | None
    key: object = None  # what a continuation names to reopen it (a split list or tier)
    alt: str | None = None
    actual: str | None = None
    lang: str | None = None
    attributes: dict[str, str] | None = None  # the /A dictionary: {"O": "/Table", ...}
    kids: list[Element | tuple[int, int]] = field(default_factory=list)


class Tree:
    """The structure tree of one document and the marked content of its pages."""

    def __init__(self, lang: str = "") -> None:
        self.lang = lang  # the document's (BCP 47)
        self.languages: list[str] = []  # the language of the text being drawn, if another
        self.root = Element("Document", None)
        self.stack: list[Element] = [self.root]
        self.marks: dict[int, list[Element]] = {}  # page number -> the element of each MCID
        self.quiet = 0  # inside an artifact or a figure: nothing more is marked
        self.last_text: Element | None = None  # the last paragraph's element (splits continue it)

    @property
    def top(self) -> Element:
        return self.stack[-1]

    def open(self, role: str, key: object = None, **values: Any) -> Element:
        """The element a group draws into: the current element's last kid if it is the
        one ``key`` names (a continuation), else a new kid."""
        parent = self.top
        last = parent.kids[-1] if parent.kids else None
        if key is not None and isinstance(last, Element) and last.key == key:
            return last
        element = Element(role, parent, key, **values)
        parent.kids.append(element)
        return element

    def mark(self, canv: Any, element: Element) -> str:
        """The opening of a marked-content sequence on this page belonging to
        ``element`` (its next MCID, recorded on both sides)."""
        page = canv.getPageNumber()
        marks = self.marks.setdefault(page, [])
        element.kids.append((page, len(marks)))
        marks.append(element)
        return f"/{element.role} <</MCID {len(marks) - 1}>> BDC"


def start(canv: Any, lang: str = "") -> Tree:
    """Give a handout's canvas its structure tree (``lang``: the document's language)."""
    tree = Tree(lang)
    canv.__dict__["_handouts_tree"] = tree
    return tree


def tree_of(canv: Any) -> Tree | None:
    return canv.__dict__.get("_handouts_tree")


@contextmanager
def text(canv: Any, role: str | None, continues: bool = False) -> Iterator[None]:
    """A paragraph: a new element of ``role`` holding the drawing (or, for the second
    part of a split paragraph, the element of the first part); an artifact if ``role``
    is None."""
    tree = tree_of(canv)
    if tree is None or tree.quiet:
        yield
        return
    if role is None:
        with artifact(canv):
            yield
        return
    last = tree.last_text
    if continues and last is not None and last.parent is tree.top and last.role == role:
        element = last
    else:
        other = tree.languages[-1] if tree.languages else None
        element = tree.open(role, lang=other if other and other != tree.lang else None)
    with _sequence(canv, tree, tree.mark(canv, element)):
        yield
    tree.last_text = element


@contextmanager
def language(canv: Any, lang: str) -> Iterator[None]:
    """Paragraphs drawn inside are in ``lang`` (BCP 47), which their elements say
    (/Lang) when it is not the document's: an English clinic name on an Arabic page."""
    tree = tree_of(canv)
    if tree is None:
        yield
        return
    tree.languages.append(lang)
    try:
        yield
    finally:
        tree.languages.pop()


@contextmanager
def group(canv: Any, role: str, key: object = None, **values: Any) -> Iterator[Element | None]:
    """A container element; what is drawn inside becomes its kids. Reopened, not
    repeated, when the current element's last kid is the one ``key`` names."""
    tree = tree_of(canv)
    if tree is None or tree.quiet:
        yield None
        return
    element = tree.open(role, key, **values)
    tree.stack.append(element)
    try:
        yield element
    finally:
        tree.stack.pop()


@contextmanager
def marked(canv: Any, role: str, key: object = None, **values: Any) -> Iterator[None]:
    """An element whose whole drawing is one marked-content sequence (a figure, a list
    label): paragraphs drawn inside are part of it, not elements of their own."""
    tree = tree_of(canv)
    if tree is None or tree.quiet:
        yield
        return
    with _sequence(canv, tree, tree.mark(canv, tree.open(role, key, **values))):
        yield


def empty(canv: Any, role: str, **values: Any) -> None:
    """An element with no content of its own (a table cell left blank to write in)."""
    tree = tree_of(canv)
    if tree is not None and not tree.quiet:
        tree.open(role, **values)


def figure(canv: Any, alt: str) -> Any:
    """A figure (the logo, the QR code, the timeline), read as ``alt``."""
    return marked(canv, "Figure", alt=alt)


@contextmanager
def artifact(canv: Any, kind: str = "Layout", subtype: str | None = None) -> Iterator[None]:
    """Drawing that is not content: decoration (``Layout``) or page furniture
    (``Pagination``, with ``subtype`` Header, Footer or Watermark)."""
    tree = tree_of(canv)
    if tree is None or tree.quiet:
        yield
        return
    props = f"/Type /{kind}" + (f" /Subtype /{subtype}" if subtype else "")
    with _sequence(canv, tree, f"/Artifact <<{props}>> BDC"):
        yield


@contextmanager
def _sequence(canv: Any, tree: Tree, opening: str) -> Iterator[None]:
    """One marked-content sequence: ``opening``, the drawing, EMC; nothing drawn inside
    is marked again."""
    canv.addLiteral(opening)
    tree.quiet += 1
    try:
        yield
    finally:
        tree.quiet -= 1
        canv.addLiteral("EMC")


def finish(canv: Any, tree: Tree, pages: int, title: str, lang: str) -> None:
    """Write the structure tree, the marked flag, the viewer's title preference and
    XMP metadata claiming PDF/UA-1 into the document (after the last page is shown)."""
    from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFStream, PDFString

    doc = internals.document(canv)
    page_refs = [internals.page_reference(n) for n in range(1, pages + 1)]
    order: list[Element] = []

    def visit(element: Element) -> None:
        order.append(element)
        for kid in element.kids:
            if isinstance(kid, Element):
                visit(kid)

    visit(tree.root)
    objects = {id(element): Written() for element in order}
    refs = {key: doc.Reference(obj) for key, obj in objects.items()}  # numbered in reading order
    root = PDFDictionary({"Type": PDFName("StructTreeRoot")})
    root_ref = doc.Reference(root)
    for element in order:
        parts = objects[id(element)].parts
        parts += [f"<< /S /{element.role} /P ", refs[id(element.parent)] if element.parent is not None else root_ref]
        first_page = next((kid[0] for kid in element.kids if isinstance(kid, tuple)), None)
        if first_page is not None:
            parts += [" /Pg ", page_refs[first_page - 1]]
        if element.kids:
            parts.append(" /K [")
            for kid in element.kids:
                if isinstance(kid, Element):
                    parts += [" ", refs[id(kid)]]
                elif kid[0] == first_page:
                    parts.append(f" {kid[1]}")
                else:  # content on a later page: a marked-content reference naming it
                    parts += [" << /Type /MCR /Pg ", page_refs[kid[0] - 1], f" /MCID {kid[1]} >>"]
            parts.append(" ]")
        for key, value in (("Alt", element.alt), ("ActualText", element.actual), ("Lang", element.lang)):
            if value is not None:
                parts += [f" /{key} ", PDFString(value)]
        if element.attributes:
            parts.append(" /A << " + " ".join(f"/{k} {v}" for k, v in element.attributes.items()) + " >>")
        parts.append(" >>")
    nums: list[Any] = []
    for index in range(pages):
        nums += [index, PDFArray([refs[id(e)] for e in tree.marks.get(index + 1, [])])]
    root.dict["K"] = refs[id(tree.root)]
    root.dict["ParentTree"] = doc.Reference(PDFDictionary({"Nums": PDFArray(nums)}))
    root.dict["ParentTreeNextKey"] = pages
    canv.setCatalogEntry("StructTreeRoot", root_ref)
    canv.setCatalogEntry("MarkInfo", PDFDictionary({"Marked": "true"}))
    canv.setViewerPreference("DisplayDocTitle", "true")
    packet = PDFStream(PDFDictionary({"Type": PDFName("Metadata"), "Subtype": PDFName("XML")}), xmp(title, lang), filters=[])
    canv.setCatalogEntry("Metadata", packet)


class Written(PDFObject):
    """A structure element's dictionary, written from its parts (text, and objects that
    format themselves: references, strings). ReportLab's generic dictionary formatting
    of a few hundred elements was most of what tagging cost."""

    def __init__(self) -> None:
        self.parts: list[Any] = []

    def format(self, document: Any) -> bytes:
        return b"".join(part.encode("latin-1") if isinstance(part, str) else part.format(document) for part in self.parts)


def xmp(title: str, lang: str) -> bytes:
    """The XMP packet: title, language and the PDF/UA-1 identifier. (The document
    information's subject is English whatever the handout's language, so it is not
    repeated here, where it would be read as the handout's language.)"""
    from xml.sax.saxutils import escape

    text = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">\n'
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>\n'
        f"<dc:language><rdf:Bag><rdf:li>{escape(lang)}</rdf:li></rdf:Bag></dc:language>\n"
        "<pdfuaid:part>1</pdfuaid:part>\n"
        "</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    )
    return text.encode("utf-8")


def page_entries(index: int) -> dict[str, str | int]:
    """What each page dictionary gets: its key in the parent tree, and tab order
    following the structure."""
    return {"StructParents": index, "Tabs": "/S"}
