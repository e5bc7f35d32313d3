"""``lwprof report``: one self-contained HTML page, loaded in a real headless browser (issue 24, item 11).

The browser is Chromium from the system's packages (``apt-get install chromium``); without it the
browser tests are skipped, saying so. The page's numbers are checked against the profile's own
records and an independent count (the small model below, counted by hand).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

import lwprof
from lwprof.cli import app
from lwprof.render.report import report_html
from tests.data.fake_calibration import write_calibration

BROWSER = next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
needs_browser = pytest.mark.skipif(BROWSER is None, reason="no Chromium on this machine (apt-get install chromium) to load the report in")

NET = '''
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
        self.head = nn.Linear(8, 4)

    def forward(self, x):
        return self.head(self.body(x).mean((2, 3)))
'''
# 3x16x16 input: conv 3*8*9 = 216 params, 8*256 outputs x 27 = 55,296 MACs; bn 16 params; head 8*4+4 = 36 params, 32 MACs


def browse(page: Path, fragment: str = "", screenshot: Path | None = None) -> str:
    """The DOM after the page's script ran (or a screenshot), from headless Chromium."""
    args = [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
    args += [f"--screenshot={screenshot}", "--window-size=1280,1600"] if screenshot else ["--dump-dom"]
    done = subprocess.run([*args, page.resolve().as_uri() + fragment], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


class Rows(HTMLParser):
    """The rows of one table (by id): their attributes and cell texts; and every element with an id."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id, self.inside, self.rows, self.ids, self.tags = table_id, False, [], {}, []
        self._section = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if "id" in a:
            self.ids[a["id"]] = tag
        if tag == "table":
            self.inside = a.get("id") == self.table_id
        elif self.inside and tag in ("tbody", "tfoot", "thead"):
            self._section = tag
        elif self.inside and tag == "tr" and self._section == "tbody":
            self.rows.append({"attrs": a, "cells": []})
        elif self.inside and tag == "td" and self._section == "tbody":
            self.rows[-1]["cells"].append("")

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False

    def handle_data(self, data):
        if self.inside and self._section == "tbody" and self.rows and self.rows[-1]["cells"]:
            self.rows[-1]["cells"][-1] += data


def parse(dom: str, table_id: str = "layers") -> Rows:
    parser = Rows(table_id)
    parser.feed(dom)
    return parser


@pytest.fixture(scope="module")
def mobilenet_page(tmp_path_factory) -> tuple[Path, lwprof.ModelProfile]:
    page = tmp_path_factory.mktemp("report") / "mobilenet.html"
    result = CliRunner().invoke(app, ["report", "mobilenet", "--resolution", "128", "-o", str(page)])
    assert result.exit_code == 0, result.output
    return page, lwprof.profile("mobilenet", resolution=128, crosscheck=True)


def test_the_page_is_self_contained(mobilenet_page) -> None:
    page, profile = mobilenet_page
    text = page.read_text()
    assert text.startswith("<!DOCTYPE html>") and "<script src" not in text and "<link" not in text and "url(" not in text
    assert not re.findall(r"""(?:src|href)=["']?(?:https?:)?//""", text)  # nothing fetched: the only URL is SVG's namespace
    assert text.count('<svg id="by-type"') == 1 and 'id="verdicts"' in text
    # published: MobileNetV1 Table 7, 1.0 MobileNet-128: 4.2 M params, 186 M mult-adds
    assert 'id="published-table"' in text and "4.2 M" in text and "186 M" in text


@needs_browser
def test_rows_and_charts_in_a_real_browser(mobilenet_page, tmp_path) -> None:
    page, profile = mobilenet_page
    dom = browse(page)
    rows = parse(dom)
    assert 'data-ready="yes"' in dom  # the page's script ran
    assert len(rows.rows) == len(profile.layers) - 1  # one row per module below the model
    assert [r["attrs"]["data-name"] for r in rows.rows] == [r.name for r in profile.layers[1:]]
    leaves = [r for r in rows.rows if r["attrs"]["data-leaf"] == "true"]
    assert len(leaves) == sum(1 for _ in profile.leaves())
    bars = [a for tag, a in rows.tags if tag == "rect" and a.get("class") == "bar"]
    assert len(bars) == 2 * len(profile.by_category())  # MACs and params share per layer type
    assert rows.ids.get("by-type") == "svg" and rows.ids.get("verdicts") == "table"
    # #depth=1: only the top level shows; #sort=macs: the biggest first, by its whole path
    shallow = parse(browse(page, "#depth=1"))
    shown = [r for r in shallow.rows if "hidden" not in r["attrs"]]
    assert [r["attrs"]["data-name"] for r in shown] == [r.name for r in profile.layers if r.depth == 1]
    by_macs = parse(browse(page, "#sort=macs"))
    macs = {r.name: r.macs for r in profile.layers}
    order = [r["attrs"]["data-name"] for r in by_macs.rows]
    assert [macs[n] for n in order] == sorted(macs[n] for n in order)[::-1]  # largest first
    assert [r["cells"][0].strip() for r in by_macs.rows] == order  # each row named by its whole path once sorted
    shot = tmp_path / "report.png"
    browse(page, screenshot=shot)
    assert shot.read_bytes()[:4] == b"\x89PNG" and shot.stat().st_size > 20_000


@needs_browser
def test_a_user_model_with_a_calibration_shows_predicted_and_measured(tmp_path) -> None:
    (tmp_path / "net.py").write_text(NET)
    cal = write_calibration(path=tmp_path / "cal.json")
    page = tmp_path / "net.html"
    args = ["report", f"{tmp_path / 'net.py'}:Net", "--input-size", "3,16,16", "--calibration", str(cal), "--repeats", "2", "-o", str(page)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    dom = browse(page)
    rows = parse(dom)
    names = [r["attrs"]["data-name"] for r in rows.rows]
    assert names == ["body", "body.0", "body.1", "body.2", "head"]
    conv = next(r for r in rows.rows if r["attrs"]["data-name"] == "body.0")
    assert "55.30 k" in conv["cells"]  # 8*256 outputs x 27 = 55,296 MACs
    assert rows.ids.get("latency-chart") == "svg" and rows.ids.get("latency-table") == "table"
    latency = parse(dom, "latency-table")
    assert {r["cells"][0] for r in latency.rows} >= {"body.0", "head"}
    assert "Measured on this machine" in dom and "Predicted from the calibration of Test CPU" in dom
    assert "None for this configuration" in dom  # a user model has no published numbers


def test_without_a_calibration_the_page_says_how_to_get_one() -> None:
    p = lwprof.profile("shufflenet", resolution=64)
    html = report_html(p, None)
    assert "run lwprof calibrate once" in html and "Not cross-checked" in html
    assert html.count("data-depth=") == len(p.layers) - 1


def test_report_errors(tmp_path) -> None:
    runner = CliRunner()
    missing = runner.invoke(app, ["report", "mobilenet"])
    assert missing.exit_code == 2 and "--output" in missing.output
    (tmp_path / "r.html").write_text("x")
    exists = runner.invoke(app, ["report", "mobilenet", "--no-fvcore", "-o", str(tmp_path / "r.html")])
    assert exists.exit_code == 2 and "already exists; pass --force" in exists.stderr
    bad_cal = runner.invoke(app, ["report", "mobilenet", "--no-fvcore", "--calibration", str(tmp_path / "nope.json"), "-o", str(tmp_path / "s.html")])
    assert bad_cal.exit_code == 2 and "Traceback" not in bad_cal.output and not (tmp_path / "s.html").exists()
