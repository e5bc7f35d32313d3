"""``lwprof report``: one self-contained HTML page about one model.

No network: the styles, the charts (inline SVG drawn here, no matplotlib needed) and a small
script are all in the page. Sections: key figures; the per-layer table (collapsible by depth,
sortable by any column; ``#sort=macs`` and ``#depth=2`` in the address open it so); MACs and
params by layer type, as a chart and a table; the cross-check's verdicts; the published
numbers where the model has them; and, with a calibration, predicted latency (and measured
next to it when the model was timed). Pure functions of lwprof's records (no torch).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from lwprof import __version__
from lwprof.records import ModelProfile, Note, Severity, Verdict
from lwprof.render import grid as g
from lwprof.render.html import CSS, esc, grid_html, notes_html
from lwprof.units import human, human_bytes

__all__ = ["bars_svg", "report_html"]

PAGE_CSS = """
body { margin: 0; background: #fff; }
.lwprof { max-width: 1200px; margin: 0 auto; padding: 16px 24px 48px 24px; }
.lwprof h1 { font-size: 20px; margin: 8px 0 4px 0; }
.lwprof h2 { font-size: 16px; margin: 28px 0 6px 0; border-bottom: 1px solid #d6dbe0; padding-bottom: 3px; }
.lwprof .sub { color: #4a535c; margin-bottom: 12px; }
.lwprof .figures { display: flex; flex-wrap: wrap; gap: 10px; margin: 10px 0; }
.lwprof .figure { border: 1px solid #d6dbe0; border-radius: 6px; padding: 6px 12px; min-width: 120px; }
.lwprof .figure .k { color: #4a535c; font-size: 11px; }
.lwprof .figure .v { font-size: 17px; font-weight: 600; }
.lwprof .controls button { font: inherit; font-size: 12px; margin: 0 4px 4px 0; padding: 2px 8px; border: 1px solid #9aa4ae;
  border-radius: 4px; background: #f3f5f7; cursor: pointer; }
.lwprof .scroll { max-height: 70vh; overflow: auto; border: 1px solid #e4e7eb; }
.lwprof table.lw th { cursor: pointer; user-select: none; }
.lwprof table.lw th.asc::after { content: " \\25B2"; } .lwprof table.lw th.desc::after { content: " \\25BC"; }
.lwprof td.tog { cursor: pointer; } .lwprof td.tog::before { content: "\\25BE "; color: #7a848e; }
.lwprof tr.closed td.tog::before { content: "\\25B8 "; }
.lwprof svg text { font-family: inherit; font-size: 12px; fill: #1b1f24; }
.lwprof .muted { color: #7a848e; }
"""

SCRIPT = """
(function () {
  var table = document.getElementById('layers');
  if (!table) return;
  var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows), order = rows.slice();
  function closedAbove(row) {
    var name = row.dataset.name;
    return rows.some(function (p) { return p.classList.contains('closed') && name.indexOf(p.dataset.name + '.') === 0; });
  }
  function refresh() { rows.forEach(function (r) { r.hidden = closedAbove(r); }); }
  function names(full) {  // sorted: each row says its whole path; in tree order, its short name, indented
    rows.forEach(function (r) {
      var c = r.cells[0];
      if (c.dataset.short === undefined) { c.dataset.short = c.textContent; c.dataset.pad = c.style.paddingLeft; }
      c.textContent = full ? c.dataset.v : c.dataset.short;
      c.style.paddingLeft = full ? '0.5em' : c.dataset.pad;
    });
  }
  rows.forEach(function (r) {
    if (r.dataset.leaf === 'false') {
      var cell = r.cells[0];
      cell.classList.add('tog');
      cell.addEventListener('click', function () { r.classList.toggle('closed'); refresh(); });
    }
  });
  function depth(d) {
    rows.forEach(function (r) { r.classList.toggle('closed', r.dataset.leaf === 'false' && +r.dataset.depth >= d); });
    refresh();
  }
  function value(row, k) { var c = row.cells[k]; return c ? (c.dataset.v || '') : ''; }
  function sort(k, down) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (h) { h.classList.remove('asc', 'desc'); });
    heads[k].classList.add(down ? 'desc' : 'asc');
    var numeric = heads[k].classList.contains('num');
    var sorted = rows.slice().sort(function (a, b) {
      var x = value(a, k), y = value(b, k), c;
      if (numeric) { c = (x === '' ? -Infinity : +x) - (y === '' ? -Infinity : +y); } else { c = x.localeCompare(y); }
      return down ? -c : c;
    });
    rows.forEach(function (r) { r.classList.remove('closed'); });
    sorted.forEach(function (r) { body.appendChild(r); });
    names(true);
    refresh();
  }
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h, k) {
    h.addEventListener('click', function () { sort(k, !h.classList.contains('desc')); });
  });
  document.querySelectorAll('[data-depth-button]').forEach(function (b) {
    b.addEventListener('click', function () { depth(+b.dataset.depthButton); });
  });
  var tree = document.getElementById('tree-order');
  if (tree) tree.addEventListener('click', function () {
    order.forEach(function (r) { body.appendChild(r); });
    names(false);
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.classList.remove('asc', 'desc'); });
  });
  var hash = {};
  location.hash.replace(/^#/, '').split('&').forEach(function (kv) { var p = kv.split('='); if (p[0]) hash[p[0]] = p[1]; });
  if (hash.depth) depth(+hash.depth);
  if (hash.sort) {
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var k = heads.findIndex(function (h) { return h.dataset.key === hash.sort; });
    if (k >= 0) sort(k, hash.dir !== 'asc');
  }
  document.body.dataset.ready = 'yes';
})();
"""


def bars_svg(rows: Sequence[tuple[str, Sequence[float]]], series: Sequence[tuple[str, str]], *, svg_id: str, unit: str = "%", width: int = 760) -> str:
    """A horizontal bar chart as inline SVG: one group of bars per row, one bar per series.

    Args:
        rows: (label, values) per row; values in ``unit`` (0-100 for %).
        series: (name, colour) per value, for the key above the bars.
        svg_id: The chart's ``id``.
        unit: Shown after each value.
        width: Pixels.
    """
    longest = max((len(str(label)) for label, _ in rows), default=0)
    label_w, value_w, bar_h, gap, key_h = max(150, 7 * longest + 16), 70, 14, 10, 26  # ~7 px a character at the chart's font
    top = max((v for _, vals in rows for v in vals), default=0.0) or 1.0
    width = max(width, label_w + value_w + 200)  # long names widen the chart rather than squeeze its bars
    plot_w = width - label_w - value_w
    height = key_h + len(rows) * (len(series) * bar_h + gap) + 4
    out = [f'<svg id="{esc(svg_id)}" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    x = label_w
    for name, colour in series:  # the key
        out.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{colour}"/><text x="{x + 16}" y="16">{esc(name)}</text>')
        x += 24 + 8 * len(name)
    y = key_h
    for label, values in rows:
        out.append(f'<text x="{label_w - 8}" y="{y + bar_h * len(series) / 2 + 4:.0f}" text-anchor="end">{esc(label)}</text>')
        for (name, colour), value in zip(series, values):
            w = max(0.0, plot_w * value / top)
            out.append(f'<rect class="bar" x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h - 2}" fill="{colour}"><title>{esc(label)}: {esc(name)} {value:.4g}{esc(unit)}</title></rect>')
            shown = f"{value:.1f}" if unit == "%" else f"{value:.3g}"
            out.append(f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h - 4}">{shown}{esc(unit)}</text>')
            y += bar_h
        y += gap
    out.append("</svg>")
    return "".join(out)


def _figure(key: str, value: str) -> str:
    return f'<div class="figure"><div class="k">{esc(key)}</div><div class="v">{esc(value)}</div></div>'


def _figures(profile: ModelProfile, prediction: Any, measured: Any) -> str:
    items = [
        ("params", human(profile.params)),
        ("MACs", human(profile.macs)),
        ("FLOPs (2 x MACs)", human(profile.flops)),
        (f"model size ({profile.model_size_basis})", human_bytes(profile.model_size_bytes)),
    ]
    if profile.peak_activation_bytes is not None:
        items.append(("peak activations", human_bytes(profile.peak_activation_bytes)))
    items.append(("cross-check", str(profile.verdict) if profile.verdict is not Verdict.NA else "not run"))
    if prediction is not None:
        items.append(("predicted latency", f"{prediction.total_s * 1e3:.3g} ms"))
    if measured is not None:
        items.append(("measured latency", f"{measured.median_s * 1e3:.3g} ms"))
    return '<div class="figures">' + "".join(_figure(k, v) for k, v in items) + "</div>"


def _layers_section(profile: ModelProfile) -> str:
    grid = g.summary_grid(profile)
    records = profile.layers[1:]
    attrs = [{"name": r.name, "depth": r.depth, "leaf": "true" if r.is_leaf else "false"} for r in records]
    table = grid_html(grid, table_id="layers", row_attrs=attrs)
    keys = [c.name for c in grid.columns if c.in_table]
    for k, key in enumerate(keys):  # the machine name of each column, for #sort=KEY
        table = table.replace(f'data-col="{k}"', f'data-col="{k}" data-key="{esc(key)}"', 1)
    deepest = max((r.depth for r in records), default=1)
    buttons = "".join(f'<button data-depth-button="{d}">depth {d}</button>' for d in range(1, deepest))
    buttons += f'<button data-depth-button="{deepest + 1}">all</button><button id="tree-order">tree order</button>'
    return (
        f'<h2 id="per-layer">Per layer ({len(records)} modules)</h2>'
        '<p class="muted">Click a parent to fold it, a column header to sort (again: the other way). '
        "Parents sum their children (shared modules: each parent its share); the own_params and own_macs "
        "columns of the CSV export add up to the totals.</p>"
        f'<div class="controls">{buttons}</div><div class="scroll">{table}</div>'
    )


def _by_type_section(profile: ModelProfile, published: Mapping[str, Any] | None) -> str:
    grid = g.by_type_grid(profile, published)
    rows = [(row[0], (100 * (row[5] or 0.0), 100 * (row[3] or 0.0))) for row in grid.rows]
    chart = bars_svg(rows, (("share of MACs", "#1f77b4"), ("share of params", "#ff7f0e")), svg_id="by-type")
    return f'<h2 id="by-type-section">By layer type</h2>{chart}{grid_html(grid, table_id="by-type-table")}'


def _crosscheck_section(profile: ModelProfile) -> str:
    if profile.verdict is Verdict.NA:
        reason = profile.crosscheck_note or "not run (lwprof report runs it unless --no-fvcore)"
        return f'<h2 id="crosscheck">Cross-check</h2><p>Not cross-checked: {esc(reason)}</p>'
    own = Counter(str(r.crosscheck_own) for r in profile.layers if r.crosscheck_own is not Verdict.NA)
    rows = "".join(f'<tr><td class="txt v-{esc(k.replace(" ", "_"))}">{esc(k)}</td><td class="num">{n}</td></tr>' for k, n in sorted(own.items(), key=lambda kv: -kv[1]))
    lines = [n for n in g.summary_notes(profile) if any(w in n.text for w in ("fvcore", "FlopCounterMode", "Cross-check", "MISMATCH", "neither tool"))]
    head = f"The model's verdict: <b class=\"v-{esc(str(profile.verdict).replace(' ', '_'))}\">{esc(profile.verdict)}</b> "
    head += "(each record's own MACs against fvcore and torch's FlopCounterMode; the worst decides)."
    return (
        f'<h2 id="crosscheck">Cross-check</h2><p>{head}</p>'
        f'<table class="lw" id="verdicts"><thead><tr><th>verdict</th><th class="num">records</th></tr></thead><tbody>{rows}</tbody></table>'
        + notes_html(lines)
    )


def _published_section(profile: ModelProfile, published: Mapping[str, Any] | None) -> str:
    if not published or (published.get("params") is None and published.get("macs") is None):
        return '<h2 id="published">Published numbers</h2><p>None for this configuration (user models and configurations no paper describes have none).</p>'
    body = []
    for key, mine in (("params", profile.params), ("macs", profile.macs)):
        paper = published.get(key)
        if paper is None:
            continue
        diff = mine / (paper * 1e6) - 1 if paper else None
        body.append(
            f'<tr><td class="txt">{"params" if key == "params" else "MACs"}</td><td class="num">{esc(paper)} M</td>'
            f'<td class="num" title="{mine}">{esc(human(mine))}</td><td class="num">{"" if diff is None else f"{100 * diff:+.1f}%"}</td></tr>'
        )
    source = published.get("source", "the paper")
    return (
        f'<h2 id="published">Published numbers</h2><p>From {esc(source)}; lwprof counts everything (BatchNorm, the classifier): '
        f"<code>lwprof check --arch {esc(profile.arch)}</code> compares under the paper's convention.</p>"
        '<table class="lw" id="published-table"><thead><tr><th>quantity</th><th class="num">published</th><th class="num">lwprof</th>'
        f'<th class="num">difference</th></tr></thead><tbody>{"".join(body)}</tbody></table>'
    )


def _latency_section(prediction: Any, measured: Any, comparison_grid: g.Grid | None, missing: str) -> str:
    head = '<h2 id="latency">Latency</h2>'
    if prediction is None:
        return head + f"<p>{esc(missing)}</p>"
    cal = prediction.calibration
    text = f"Predicted from the calibration of {esc(cal.get('cpu', '?'))} ({esc(cal.get('threads', '?'))} thread(s), {esc(cal.get('dtype', '?'))}): {prediction.total_s * 1e3:.3g} ms per forward pass."
    if measured is None or comparison_grid is None:
        top = sorted(prediction.layers, key=lambda x: -x.seconds)[:10]
        rows: list[tuple[str, tuple[float, ...]]] = [(x.name, (x.seconds * 1e3,)) for x in top]
        return head + f"<p>{text} Not measured (--no-bench).</p>" + bars_svg(rows, (("predicted", "#1f77b4"),), svg_id="latency-chart", unit=" ms")
    slowest = sorted(comparison_grid.rows, key=lambda r: -(r[3] or 0.0))[:10]
    rows = [(r[0], (r[3] or 0.0, r[4] or 0.0)) for r in slowest]
    chart = bars_svg(rows, (("measured", "#2ca02c"), ("predicted", "#1f77b4")), svg_id="latency-chart", unit=" ms")
    return (
        head + f"<p>{text} Measured on this machine: {measured.median_s * 1e3:.3g} ms (median). The ten slowest layers:</p>"
        + chart + grid_html(comparison_grid, table_id="latency-table") + notes_html(comparison_grid.notes)
    )


def report_html(
    profile: ModelProfile,
    published: Mapping[str, Any] | None = None,
    *,
    prediction: Any = None,
    measured: Any = None,
    latency_grid: g.Grid | None = None,
    latency_missing: str = "No calibration on this machine: run lwprof calibrate once, then the report shows predicted and measured latency.",
) -> str:
    """The whole page.

    Args:
        profile: The model's profile (cross-checked, ideally).
        published: The paper's numbers for this configuration (:func:`lwprof.api.published`).
        prediction: Its predicted latency (:class:`lwprof.latency.predict.Prediction`), if calibrated.
        measured: Its measured latency (:class:`lwprof.latency.measure.LatencyResult`), if timed.
        latency_grid: Predicted next to measured per layer (``bench_predict_grid``), with ``measured``.
        latency_missing: What the latency section says without a prediction.
    """
    title = g.profile_title(profile)
    notes = [n for n in g.summary_notes(profile, published) if isinstance(n, Note) and n.severity is not Severity.CONVENTION]
    conventions = [n for n in g.summary_notes(profile, published) if n.severity is Severity.CONVENTION]
    body = [
        f"<h1>{esc(profile.spec or profile.arch)}</h1><div class=\"sub\">{esc(title)}</div>",
        _figures(profile, prediction, measured),
        notes_html(notes),
        _layers_section(profile),
        _by_type_section(profile, published),
        _crosscheck_section(profile),
        _published_section(profile, published),
        _latency_section(prediction, measured, latency_grid, latency_missing),
        '<h2 id="conventions">Conventions</h2>' + notes_html(conventions),
        f'<p class="muted">Written by lwprof {esc(__version__)}.</p>',
    ]
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>lwprof: {esc(profile.spec or profile.arch)}</title>"
        f"<style>{CSS}{PAGE_CSS}</style></head><body><div class=\"lwprof\">{''.join(body)}</div>"
        f"<script>{SCRIPT}</script></body></html>\n"
    )
