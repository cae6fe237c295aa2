"""Views: every table and JSON payload that commands print, built from the engine's numbers with the
text of :mod:`costcalc.formatting`, and the render layer that writes them (table, JSON, CSV, Markdown)."""
