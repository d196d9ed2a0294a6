"""XMP metadata (ISO 16684-1) for the print and archive files (built before writing).

The packet holds Dublin Core title, creator, description and language, the xmp dates and
creator tool, pdf:Producer, xmpMM identifiers, the issue itself in PRISM properties, and the
variant's conformance claim: PDF/X version keys, or pdfaid part and conformance with a PDF/A
extension schema that describes every PRISM property (ISO 19005-2 §6.6.2.3.1). It is written
uncompressed with a standard xpacket header (ISO 19005-2 §6.6.2.1).
"""
from __future__ import annotations

from typing import TYPE_CHECKING
from xml.sax.saxutils import escape as _xml_escape

from typeset.issueinfo import DocumentInfo, Metadata, issue_label
from typeset.render.pdfsyntax import xmp_date

if TYPE_CHECKING:
    from typeset.render.variants import Variant

#: written in place of the document id, then replaced by the hash of the file (writer.py)
UUID_PLACEHOLDER = "00000000-0000-0000-0000-000000000000"


NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "xmpMM": "http://ns.adobe.com/xap/1.0/mm/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "pdfxid": "http://www.npes.org/pdfx/ns/id/",
    "pdfx": "http://ns.adobe.com/pdfx/1.3/",
    "prism": "http://prismstandard.org/namespaces/basic/2.0/",
    "pdfaExtension": "http://www.aiim.org/pdfa/ns/extension/",
    "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
    "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#",
}

# PRISM is not among the schemas PDF/A-2 predefines (ISO 19005-2 §6.6.2.3.1), so each
# property we use is described in a pdfaExtension schema.
PRISM_PROPERTIES = (
    ("publicationName", "Text", "Name of the journal"),
    ("number", "Text", "Issue number within the year"),
    ("coverDate", "Date", "Year of the issue (YYYY)"),
    ("coverDisplayDate", "Text", "Issue designation as printed, e.g. 2024年第2期"),
    ("publicationDate", "Date", "Date of publication"),
)


def build_xmp(info: DocumentInfo, meta: Metadata | None, variant: Variant,
              doc_uuid: str = UUID_PLACEHOLDER) -> bytes:
    """The XMP packet of a file: `info` as Dublin Core, xmp and pdf properties (so they equal
    the Info dictionary, ISO 19005-2 §6.6.2.3), the issue `meta` as PRISM, and the claims of
    `variant`."""
    e = _xml_escape
    props = ["<dc:format>application/pdf</dc:format>",
             f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{e(info.title)}</rdf:li></rdf:Alt>'
             "</dc:title>"]
    if info.author:
        props.append(f"<dc:creator><rdf:Seq><rdf:li>{e(info.author)}</rdf:li></rdf:Seq></dc:creator>")
    if info.subject:
        props.append(f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{e(info.subject)}'
                     "</rdf:li></rdf:Alt></dc:description>")
    if info.lang:
        props.append(f"<dc:language><rdf:Bag><rdf:li>{e(info.lang)}</rdf:li></rdf:Bag></dc:language>")
    if info.date is not None:
        when = xmp_date(info.date)
        props += [f"<xmp:CreateDate>{when}</xmp:CreateDate>",
                  f"<xmp:ModifyDate>{when}</xmp:ModifyDate>",
                  f"<xmp:MetadataDate>{when}</xmp:MetadataDate>"]
    props += [f"<xmp:CreatorTool>{e(info.creator)}</xmp:CreatorTool>",
              f"<pdf:Producer>{e(info.producer)}</pdf:Producer>"]
    if info.keywords:
        props.append(f"<pdf:Keywords>{e(info.keywords)}</pdf:Keywords>")
    props += [f"<xmpMM:DocumentID>uuid:{doc_uuid}</xmpMM:DocumentID>",
              f"<xmpMM:InstanceID>uuid:{doc_uuid}</xmpMM:InstanceID>"]
    if meta is not None:
        props += [f"<prism:publicationName>{e(meta.journal)}</prism:publicationName>",
                  f"<prism:number>{meta.number}</prism:number>",
                  f"<prism:coverDate>{meta.year:04d}</prism:coverDate>",
                  f"<prism:coverDisplayDate>{e(issue_label(meta))}</prism:coverDisplayDate>"]
        if meta.date is not None:
            props.append(f"<prism:publicationDate>{meta.date.isoformat()}</prism:publicationDate>")
    props += list(variant.xmp)
    extension = variant.xmp_extension and meta is not None
    if extension:
        rows = "".join(
            '<rdf:li rdf:parseType="Resource">'
            f"<pdfaProperty:name>{n}</pdfaProperty:name>"
            f"<pdfaProperty:valueType>{t}</pdfaProperty:valueType>"
            "<pdfaProperty:category>external</pdfaProperty:category>"
            f"<pdfaProperty:description>{e(d)}</pdfaProperty:description></rdf:li>"
            for n, t, d in PRISM_PROPERTIES)
        props.append(
            '<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">'
            "<pdfaSchema:schema>PRISM Basic Metadata</pdfaSchema:schema>"
            f"<pdfaSchema:namespaceURI>{NS['prism']}</pdfaSchema:namespaceURI>"
            "<pdfaSchema:prefix>prism</pdfaSchema:prefix>"
            f"<pdfaSchema:property><rdf:Seq>{rows}</rdf:Seq></pdfaSchema:property>"
            "</rdf:li></rdf:Bag></pdfaExtension:schemas>")
    used = {p[1:p.index(":")] for p in props}
    if extension:
        used |= {"pdfaSchema", "pdfaProperty"}          # prefixes inside the extension schema
    xmlns = " ".join(f'xmlns:{p}="{NS[p]}"' for p in sorted(used))
    body = "\n   ".join(props)
    text = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        f' <rdf:RDF xmlns:rdf="{NS["rdf"]}">\n'
        f'  <rdf:Description rdf:about="" {xmlns}>\n   {body}\n  </rdf:Description>\n'
        " </rdf:RDF>\n</x:xmpmeta>\n"
        + (" " * 99 + "\n") * 20          # padding lets an editor update the packet in place
        + '<?xpacket end="w"?>')
    return text.encode("utf-8")
