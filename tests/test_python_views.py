"""``costcalc.analyze`` from Python and notebooks: ``print``/``str``, ``_repr_html_``, ``to_dataframe()``,
``dir(costcalc)``; and ``analyze --unit flops`` saying FLOPs in the headline, tables and CSV.

The model: Conv2d(3, 8, 3, padding=1) on 1×3×4×4 costs 4·4·8·3·3·3 = 3,456 MACs (224 params: 8·3·3·3 + 8);
Linear(128, 10) costs 128·10 = 1,280 MACs (1,290 params). Total 4,736 MACs = 9,472 FLOPs, 1,514 params.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

import costcalc  # noqa: E402
from costcalc.measure.analysis import Analysis  # noqa: E402

VGG = f"{Path(__file__).resolve().parents[1] / 'configs' / 'examples' / 'vgg_cifar.py'}:VGGCifar"


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.Flatten(),
                                torch.nn.Linear(8 * 4 * 4, 10))
    return costcalc.analyze(model, torch.zeros(1, 3, 4, 4))


def test_print_is_the_module_tree(analysis, capsys):
    print(analysis)
    text = capsys.readouterr().out
    assert text == str(analysis) + "\n"
    assert "rich" not in text and "object at" not in text
    lines = text.splitlines()
    assert any(line.split() == ["┃", "module", "┃", "MACs", "┃", "params", "┃", "share", "┃", "output", "┃",
                                "type", "┃"] for line in lines)
    assert any(line.split()[1:5] == ["(model)", "│", "4,736", "│"] for line in lines if line.startswith("│"))
    assert any(line.split()[1:7] == ["0", "│", "3,456", "│", "224", "│"] for line in lines)
    assert any(line.split()[1:7] == ["3", "│", "1,280", "│", "1,290", "│"] for line in lines)


def test_repr_html_is_an_escaped_table(analysis):
    html = analysis._repr_html_()
    assert html.startswith("<table><caption>Sequential on 1×3×4×4: 4,736 MACs")
    assert "<th>module</th>" in html and '<td style="text-align: right">3,456</td>' in html
    assert "<td>(model)</td>" in html and "<script" not in html


def test_html_escapes_every_cell():
    from costcalc.views.html import to_html
    from costcalc.views.render import Column, View

    view = View("<b>t&</b>", [Column("<h>"), Column("n", "right")], notes=["a < b"])
    view.add("<script>alert(1)</script>", "1 & 2")
    assert to_html(view) == (
        '<table><caption>&lt;b&gt;t&amp;&lt;/b&gt;</caption><thead><tr><th>&lt;h&gt;</th>'
        '<th style="text-align: right">n</th></tr></thead><tbody><tr><td>&lt;script&gt;alert(1)&lt;/script&gt;</td>'
        '<td style="text-align: right">1 &amp; 2</td></tr></tbody></table><p>a &lt; b</p>')


def test_to_dataframe(analysis):
    pandas = pytest.importorskip("pandas")
    frame = analysis.to_dataframe()
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame.columns) == ["name", "type", "depth", "calls", "output", "macs", "flops", "params", "share"]
    assert list(frame["name"]) == ["(model)", "0", "1", "2", "3"]
    assert list(frame["macs"]) == [4_736, 3_456, 0, 0, 1_280]
    assert list(frame["flops"]) == [9_472, 6_912, 0, 0, 2_560]
    assert list(frame["params"]) == [1_514, 224, 0, 0, 1_290]
    assert list(analysis.to_dataframe(depth=0)["name"]) == ["(model)"]


def test_to_dataframe_without_pandas_names_the_install(analysis, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"^Analysis.to_dataframe\(\) needs pandas, which is not installed: "
                                          r"pip install pandas$"):
        analysis.to_dataframe()


def test_dir_lists_the_lazy_api():
    names = dir(costcalc)
    assert {"analyze", "Analysis", "compare_layer", "LayerQuery", "cost", "Conv2d"} <= set(names)
    assert names == sorted(names)


# -- --unit flops -------------------------------------------------------------------------------------

def test_unit_flops_headline_table_and_csv(run):
    """VGGCifar on 1×3×32×32: 7,530,496 MACs (tests/test_analyze.py derives it) = 15,060,992 FLOPs."""
    text = run("analyze", VGG, "--input", "1,3,32,32", "--summary", "--unit", "flops").stdout
    title = " ".join(text.split("┏")[0].split())
    assert ": 15,060,992 FLOPs (15.061 M), 45,562 params;" in title and "MACs" not in title
    header = next(line for line in text.splitlines() if line.startswith("┃"))
    assert header.split("┃")[1:-1] == [" input     ", " FLOPs (2×MACs) ", "  ≈ FLOPs ", " params ", " vs base ",
                                        " note "]
    macs = run("analyze", VGG, "--input", "1,3,32,32", "--summary").stdout
    assert "7,530,496 MACs (7.530 M)" in macs and "≈ MACs" in macs
    rows = list(csv.DictReader(io.StringIO(run("analyze", VGG, "--input", "1,3,32,32", "--unit", "flops",
                                               "--format", "csv").stdout)))
    header = list(rows[0])
    assert header[header.index("macs") + 1] == "flops"
    # features.0: Conv2d(3, 16, 3, padding=1) on 32×32: 32·32·16·3·9 = 442,368 MACs = 884,736 FLOPs
    assert (rows[0]["name"], rows[0]["macs"], rows[0]["flops"]) == ("features.0", "442368", "884736")
    assert all(int(row["flops"]) == 2 * int(row["macs"]) for row in rows)
    plain = csv.DictReader(io.StringIO(run("analyze", VGG, "--input", "1,3,32,32", "--format", "csv").stdout))
    assert "flops" not in plain.fieldnames
