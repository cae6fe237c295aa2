"""What a sweep asks for: networks and option lists from the command line or a sweep file.

A sweep file (``configs/sweeps/*.yaml``) holds ``title``, ``description``, ``reference``, ``near``
and ``networks: [{model: NAME, OPTION: [values] | value}]``; every error in it names the file and
the line. Pure Python: raises :class:`~costcalc.sweep.grid.SweepError` or
:class:`~costcalc.config.config_file.ConfigError` (both shown as one ``Error:`` line, exit 2).
"""

from __future__ import annotations

from typing import Any

from costcalc.engine.specs import SpecError
from costcalc.sweep import grid
from costcalc.sweep.grid import FLAGS, OPTION_TYPES, Plan, SweepError

FILE_KEYS = ("title", "description", "reference", "near", "networks")
TEXT_KEYS = ("title", "description", "reference", "near")
"""Settings that are one line of text (a number is read as its text: ``near: 140000000``)."""


def entry_for(name: object) -> Any:
    """The zoo entry named ``name`` (or an alias); :class:`SpecError` naming the valid ones."""
    from costcalc.engine import zoo

    return zoo.lookup(name)


def plans_from_cli(names: tuple[str, ...], lists: dict[str, Any]) -> tuple[list[Plan], dict[str, list[str]]]:
    """NAMEs, ``--alpha 0.5,1.0 …`` and flags (``--shallow``): each option goes to the networks that take it."""
    entries = []
    for name in names:
        entry = entry_for(name)
        if entry not in entries:
            entries.append(entry)
    axes: dict[str, tuple[Any, ...]] = {key: grid.parse_values(text, key) for key, text in lists.items()
                                        if text is not None and key in OPTION_TYPES}
    axes.update({key: (True,) for key in FLAGS if lists.get(key)})
    plans, where = grid.assign(entries, axes)
    for plan in plans:
        plan.origin.update({key: f"--{key}" for key in plan.axes})
    return plans, where


def _file_settings(config: Any, data: dict[str, Any]) -> dict[str, Any]:
    """The sweep file's text settings, each checked to be text (or a number read as its text)."""
    settings = {}
    for key in TEXT_KEYS:
        if key not in data or data[key] is None:
            continue
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise config.error((key,), f"{key} must be text, got {type(value).__name__} {value!r}")
        settings[key] = str(value)
    return settings


def _file_plan(config: Any, index: int, item: Any) -> Plan:
    """The plan of ``networks[index]``: its model, option lists (each remembering its ``file:line``) and flags."""
    where = ("networks", index)
    if not isinstance(item, dict) or "model" not in item:
        raise config.error(where, "each network needs a 'model' key (mobilenet, shufflenet, effnet, …)")
    try:
        entry = entry_for(item["model"])
    except SpecError as error:
        raise config.error(where + ("model",), str(error)) from None
    keys = entry.grid_options + tuple(key for key in FLAGS if key in entry.options)
    config.mapping(where, item, ("model", *keys), f"a {entry.name} entry")
    plan = Plan(entry, {})
    for key in keys:
        if key not in item:
            continue
        value = item[key]
        if key in FLAGS:
            if not isinstance(value, bool):
                raise config.error(where + (key,), f"{key} must be true or false, got {value!r}")
            if value:
                plan.axes[key] = (True,)
            continue
        try:
            plan.axes[key] = grid.parse_values(value if isinstance(value, list) else [value], key)
        except SweepError as error:
            raise config.error(where + (key,), str(error).replace(f"--{key}", key)) from None
        plan.origin[key] = config.error(where + (key,), key).args[0]
    return plan


def load_sweep_file(path: str) -> tuple[dict[str, Any], list[Plan]]:
    """A sweep file: its text settings and one :class:`~costcalc.sweep.grid.Plan` per network."""
    from costcalc.config.config_file import ConfigFile

    config = ConfigFile(path)
    data = config.mapping((), config.data, FILE_KEYS, "a sweep file")
    networks = data.get("networks")
    if not isinstance(networks, list) or not networks:
        raise config.error(("networks",), "networks must be a non-empty list of {model: NAME, OPTION: [values]}")
    return _file_settings(config, data), [_file_plan(config, index, item) for index, item in enumerate(networks)]


def load_plans(names: tuple[str, ...], config_path: str | None,
               lists: dict[str, Any]) -> tuple[dict[str, Any], list[Plan], dict[str, list[str]]]:
    """The sweep asked for: the sweep file's settings (``{}`` without one), the plans, option → networks."""
    if config_path:
        given = [f"--{key}" for key, value in lists.items() if value]
        if names or given:
            raise SweepError(f"give NAMEs and option lists or --config FILE, not both "
                             f"(got {', '.join([*names, *given])} with --config)")
        settings, plans = load_sweep_file(config_path)
        grid.check_size(plans)
        where = {key: [p.entry.name for p in plans if key in p.axes] for key in (*OPTION_TYPES, *FLAGS)}
        return settings, plans, {key: value for key, value in where.items() if value}
    if not names:
        from costcalc.engine import zoo

        raise SweepError(f"missing model NAME(s); valid: {', '.join(zoo.all_names())} (or --config FILE)")
    plans, where = plans_from_cli(names, lists)
    grid.check_size(plans)
    return {}, plans, where
