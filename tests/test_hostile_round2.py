"""Hostile input, round two (issue 16): SVG assets, file names that are not UTF-8, impossible dates."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from sitegen.build import gather
from tests.helpers import build_docs, make_config, write_docs

EVIL_SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" onload="alert(1)">'
            b'<script>alert(document.domain)</script>'
            b'<a href=" JaVa&#9;script:alert(2)"><rect width="10" height="10" onclick="alert(3)" fill="red"/></a>'
            b'<a xlink:href="javascript:alert(4)"><circle r="4"/></a>'
            b'<foreignObject><div xmlns="http://www.w3.org/1999/xhtml" onmouseover="alert(5)">x</div></foreignObject>'
            b'<set attributeName="href" to="javascript:alert(6)"/><animate attributeName="href" values="javascript:alert(7)"/>'
            b'<style>@import url(//evil.example/x.css);</style>'
            b'<text x="1" y="2" style="fill: blue">label</text></svg>')
BOMB_SVG = (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
            b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><svg xmlns="http://www.w3.org/2000/svg"><text>&c;</text></svg>')
FILE_SVG = (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>')
INKSCAPE_SVG = (b'<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
                b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
                b'<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><rect width="5" height="5" fill="#0a0"/></svg>')


def test_published_svgs_carry_no_script(tmp_path: Path) -> None:
    result = build_docs(tmp_path, {"doc.md": "# Diagram\n\n[see](evil.svg) [b](bomb.svg) [f](file.svg) [ok](ok.svg)\n",
                                   "evil.svg": EVIL_SVG, "bomb.svg": BOMB_SVG, "file.svg": FILE_SVG, "ok.svg": INKSCAPE_SVG})
    out = result.output_dir
    published = (out / "docs/evil.svg").read_bytes()
    root = ET.fromstring(published)
    tags = {el.tag.rsplit("}", 1)[-1] for el in root.iter()}
    assert tags == {"svg", "a", "rect", "circle", "text"}, tags  # script, foreignObject, set, animate, style gone
    for el in root.iter():
        for name, value in el.attrib.items():
            assert not name.rsplit("}", 1)[-1].lower().startswith("on"), (el.tag, name)
            assert "script:" not in "".join(value.split()).lower(), (el.tag, name, value)
    assert b"label" in published and b'fill="red"' in published  # the drawing itself is kept
    # Entities are never expanded: such a file is left out, with a warning naming it.
    assert not (out / "docs/bomb.svg").exists() and not (out / "docs/file.svg").exists()
    unsafe = {p.path for p in result.site.problems if p.kind == "unsafe-svg"}
    assert unsafe == {"bomb.svg", "file.svg"}
    assert b'fill="#0a0"' in (out / "docs/ok.svg").read_bytes()  # a DOCTYPE naming the SVG DTD is fine


def test_a_file_name_that_is_not_utf8_is_reported_and_the_build_goes_on(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "ok.md").write_text("# Fine\n")
    with open(bytes(src) + b"/caf\xe9.md", "wb") as handle:
        handle.write(b"no heading here\n")
    os.mkdir(bytes(src) + b"/d\xe9j\xe0")
    for command in (["build", str(src), "-o", str(tmp_path / "out")], ["check", str(src)]):
        run = subprocess.run([sys.executable, "-m", "sitegen", *command], capture_output=True, timeout=120)
        text = (run.stdout + run.stderr).decode("utf-8")
        assert run.returncode == 0, text
        assert "Traceback" not in text
        assert "caf\\xe9.md: error: file name is not valid UTF-8; skipped" in text, text
    assert (tmp_path / "out" / "docs" / "ok.html").is_file()


def test_an_impossible_date_is_reported_at_its_line_and_keeps_every_other_field(tmp_path: Path) -> None:
    content = write_docs(tmp_path / "docs", {"leap.md": """\
        ---
        title: Leap day
        date: 2024-02-30
        component: database
        symptoms:
          - "QueuePool limit reached"
        ---
        # Leap day
        """})
    site = gather(make_config(content, tmp_path / "site"))
    doc = site.documents[0]
    assert doc.symptoms == ("QueuePool limit reached",) and doc.component == ("database",) and doc.title == "Leap day"
    assert doc.date is None and not doc.warnings
    assert [(p.kind, p.line) for p in site.problems if p.level != "info"] == [("bad-date", 3)]
    assert "2024-02-30" in next(p.message for p in site.problems if p.kind == "bad-date")
