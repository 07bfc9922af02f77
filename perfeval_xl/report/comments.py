"""The commented copy of a .docx report: a Word comment on each sentence with a finding, nothing else changed.

The package is copied member by member: every part but the main document, its relationships, the content types and
the comments part is copied raw (same bytes); in the main document only comment marks are inserted (a range start
before the runs of the sentence, a range end and a reference run after them), so the document with those marks
taken out is the original, node for node. The input file is never written; the copy is written atomically.
"""

from __future__ import annotations

import io
from collections import defaultdict
from pathlib import Path

from lxml import etree

from ..messages import REPORT_TEXT
from ..write._ooxml import NS_R, RT_OFFICE_DOCUMENT, Package, Rels, parse_xml, serialise, xml_text
from ..write._zipcopy import ZipCopyError, ZipSource
from ..write.annotate import write_atomically
from .check import ReportFinding

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
RT_COMMENTS = NS_R + "/comments"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"
COMMENT_MARKS = ("commentRangeStart", "commentRangeEnd", "commentReference")


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def commented_path(report: Path) -> Path:
    """Where the commented copy goes by default: beside the report as <name>_核查.docx."""
    return report.with_name(f"{report.stem}_核查.docx")


def run_text(run) -> str:
    """A run's text as python-docx reads it (w:t, tabs, line breaks, no-break hyphens)."""
    out = []
    for e in run:
        tag = etree.QName(e).localname if isinstance(e.tag, str) else ""
        if tag == "t":
            out.append(e.text or "")
        elif tag in ("tab", "ptab"):
            out.append("\t")
        elif tag == "br":
            out.append("\n" if e.get(w("type"), "textWrapping") == "textWrapping" else "")
        elif tag == "cr":
            out.append("\n")
        elif tag == "noBreakHyphen":
            out.append("-")
    return "".join(out)


def _pieces(p) -> list[tuple[object, int, int]]:
    """(element, start, end) of each run or hyperlink of a paragraph, on python-docx's `paragraph.text`."""
    out, at = [], 0
    for child in p:
        tag = etree.QName(child).localname if isinstance(child.tag, str) else ""
        if tag == "r":
            text = run_text(child)
        elif tag == "hyperlink":
            text = "".join(run_text(r) for r in child.iter(w("r")))
        else:
            continue
        out.append((child, at, at + len(text)))
        at += len(text)
    return out


def write_commented(data: bytes, findings: list[ReportFinding], out: str | Path, *, source_name: str = "") -> Path:
    """Write `data` (a .docx package) to `out` with one comment per sentence that has findings."""
    out = Path(out)
    try:
        package = Package(ZipSource(io.BytesIO(data)))
    except ZipCopyError as e:
        raise ValueError(f"{source_name}: {e}") from e
    root_rels = Rels(package, "")
    office = root_rels.by_type(RT_OFFICE_DOCUMENT)
    main = root_rels.target(office[0]) if office else None
    if not main or not package.member(main):
        raise ValueError(f"{source_name}: no main document part")
    main = package.member(main)
    doc = parse_xml(package.read(main), main)
    rels = Rels(package, main)
    existing = rels.by_type(RT_COMMENTS)
    comments_part = rels.target(existing[0]) if existing else None
    if comments_part and package.member(comments_part):
        comments_part = package.member(comments_part)
        comments = parse_xml(package.read(comments_part), comments_part)
    else:
        comments_part = "word/comments.xml" if package.member("word/comments.xml") is None else \
            package.new_part_name("word/comments{}.xml")
        comments = etree.Element(w("comments"), nsmap={"w": W})
        rels.add(RT_COMMENTS, comments_part)
        package.add_override(comments_part, CT_COMMENTS)
    used = [int(x) for x in doc.xpath("//w:commentRangeStart/@w:id | //w:commentReference/@w:id",
                                      namespaces={"w": W}) if x.lstrip("-").isdigit()]
    used += [int(x) for x in comments.xpath("./w:comment/@w:id", namespaces={"w": W}) if x.lstrip("-").isdigit()]
    next_id = max(used, default=-1) + 1
    body = doc.find(w("body"))
    paragraphs = body.findall(w("p")) if body is not None else []
    by_sentence: dict[tuple[int, int, int], list[ReportFinding]] = defaultdict(list)
    for f in findings:
        by_sentence[(f.paragraph, f.start, f.end)].append(f)
    for (index, start, end), items in sorted(by_sentence.items()):
        if not 1 <= index <= len(paragraphs):
            continue
        pieces = _pieces(paragraphs[index - 1])
        covering = [(e, a, b) for e, a, b in pieces if a < end and b > start] or pieces
        if not covering:
            continue
        cid = str(next_id)
        next_id += 1
        first, last = covering[0][0], covering[-1][0]
        first.addprevious(etree.Element(w("commentRangeStart"), {w("id"): cid}))
        end_mark = etree.Element(w("commentRangeEnd"), {w("id"): cid})
        last.addnext(end_mark)
        ref_run = etree.Element(w("r"))
        etree.SubElement(ref_run, w("commentReference"), {w("id"): cid})
        end_mark.addnext(ref_run)
        comments.append(_comment(cid, items))
    package.put(main, serialise(doc))
    package.put(comments_part, serialise(comments) if existing else
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n' + etree.tostring(comments,
                                                                                                encoding="UTF-8"))
    if rels.changed:
        package.put(rels.name, rels.to_bytes())
    if package.ct_changed:
        package.put(package.member("[Content_Types].xml"), serialise(package.ct_root))
    write_atomically(out, lambda fh: package.source.write(fh, package.replace, package.add))
    return out


def _comment(cid: str, items: list[ReportFinding]):
    c = etree.Element(w("comment"), {w("id"): cid, w("author"): REPORT_TEXT["comment.author"], w("initials"): "PE"})
    for f in items:
        p = etree.SubElement(c, w("p"))
        r = etree.SubElement(p, w("r"))
        t = etree.SubElement(r, w("t"))
        t.text = xml_text(f"[{f.check}] {f.severity.label}：{f.message}")
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return c


def strip_comment_marks(document_xml: bytes) -> bytes:
    """The main document with the comment marks this module inserts taken out, canonicalised (for comparison)."""
    root = parse_xml(document_xml, "document")
    for tag in ("commentRangeStart", "commentRangeEnd"):
        for e in list(root.iter(w(tag))):
            e.getparent().remove(e)
    for ref in list(root.iter(w("commentReference"))):
        run = ref.getparent()
        if len(run) == 1:
            run.getparent().remove(run)
        else:
            run.remove(ref)
    return etree.tostring(root, method="c14n")
