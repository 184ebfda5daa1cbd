"""SVG assets are published without anything that runs: no script, no event handler, no
`javascript:` link, no `foreignObject`, no animation that could set one.

An SVG opened on its own is a document of the site's origin (on GitHub Pages, of every project
site of the owner), so a script in it could read and change them. The SVG is parsed by
defusedxml, which refuses entity declarations and external references outright (an entity
bomb or a file-reading entity never reaches the sanitiser), then rebuilt from an allowlist of
elements; attributes are kept unless they are event handlers or point at a script. An SVG that
does not parse is left out with a warning, never published as it was.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"

# Shapes, text, structure, paint servers, filters: what diagrams use. Not script, foreignObject
# (HTML inside SVG), or the animation elements (`<set attributeName="href" to="javascript:...">`).
ALLOWED_ELEMENTS = frozenset("""
    svg g defs symbol use title desc metadata switch a image style
    path rect circle ellipse line polyline polygon text tspan textPath
    linearGradient radialGradient stop pattern clipPath mask marker
    filter feBlend feColorMatrix feComponentTransfer feComposite feConvolveMatrix feDiffuseLighting
    feDisplacementMap feDistantLight feDropShadow feFlood feFuncA feFuncB feFuncG feFuncR feGaussianBlur
    feImage feMerge feMergeNode feMorphology feOffset fePointLight feSpecularLighting feSpotLight feTile
    feTurbulence
""".split())
_LINK_ATTRS = frozenset({"href", f"{{{XLINK_NS}}}href", "src", "action", "formaction", "from", "to", "values", "by"})
_DANGEROUS_URL = re.compile(r"^(javascript|vbscript|data:(?!image/(png|jpe?g|gif|webp)[;,]))", re.IGNORECASE)
_DANGEROUS_CSS = re.compile(r"javascript:|vbscript:|expression\s*\(|@import|-moz-binding|behavior\s*:", re.IGNORECASE)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")  # browsers ignore these inside a scheme: "java\tscript:"


class UnsafeSvg(ValueError):
    """The file cannot be published safely; the message says why."""


def sanitise_svg(data: bytes) -> bytes:
    """The SVG with everything that could run removed; raises UnsafeSvg when it cannot be parsed safely."""
    # Imported here: most sites have no SVG, and the XML modules cost every build's start-up.
    import xml.etree.ElementTree as ET

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        # A DOCTYPE naming the SVG 1.1 DTD is common (Inkscape, Illustrator) and harmless: it is never
        # fetched. Entities, the part that expands, are refused.
        root = fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise UnsafeSvg(f"it declares entities ({type(exc).__name__}), which sitegen does not expand") from None
    except ET.ParseError as exc:
        raise UnsafeSvg(f"it is not well-formed XML ({exc})") from None
    if _local(root.tag) != "svg" or _namespace(root.tag) not in ("", SVG_NS):
        raise UnsafeSvg("its root element is not <svg>")
    _clean(root)
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _clean(element: ET.Element) -> None:
    for child in list(element):
        if not isinstance(child.tag, str) or _namespace(child.tag) not in ("", SVG_NS) or _local(child.tag) not in ALLOWED_ELEMENTS:
            element.remove(child)  # comments, processing instructions, HTML, script, animation
            continue
        if _local(child.tag) == "style" and _DANGEROUS_CSS.search(child.text or ""):
            element.remove(child)
            continue
        _clean(child)
    for name in list(element.attrib):
        value = element.attrib[name]
        local = _local(name).lower()
        if local.startswith("on") or (name in _LINK_ATTRS or local == "href") and _DANGEROUS_URL.match(_INVISIBLE.sub("", value)):
            del element.attrib[name]
        elif local == "style" and _DANGEROUS_CSS.search(value):
            del element.attrib[name]
        elif "url(" in value.lower() and _DANGEROUS_CSS.search(value):
            del element.attrib[name]
        elif local in ("attributename",):
            del element.attrib[name]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""
