"""Measured counts: the only package that imports torch or fvcore.

Commands import it lazily (inside the command function) after
:func:`costcalc.options.require_measure` has checked that the ``measure`` extra is installed.
"""
