"""A view as an HTML table, for a notebook's ``_repr_html_`` (every cell escaped; no styles, no scripts).

The table carries what the text table shows: the title as ``<caption>``, the headers, one row per
row (right-aligned columns stay right-aligned) and the notes beneath as paragraphs.
"""

from __future__ import annotations

from html import escape

from costcalc.views.render import View


def to_html(view: View) -> str:
    """``view`` as ``<table>`` markup, each title, header, cell and note passed through :func:`html.escape`."""
    aligns = [f' style="text-align: {column.justify}"' if column.justify != "left" else "" for column in view.columns]
    head = "".join(f"<th{align}>{escape(column.header)}</th>" for column, align in zip(view.columns, aligns))
    body = "".join("<tr>" + "".join(f"<td{align}>{escape(cell)}</td>" for cell, align in zip(row, aligns)) + "</tr>"
                   for row in view.rows)
    notes = "".join(f"<p>{escape(note)}</p>" for note in view.notes)
    return (f"<table><caption>{escape(view.title)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>{notes}")
