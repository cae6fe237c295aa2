"""Config files as an attack surface: every hostile file in ``tests/hostile/`` is refused by every
loader with one ``Error:`` line naming the file (and the line where there is one), exit 2, quickly.

The corpus: an alias bomb (9⁹ values from 476 bytes), cyclic aliases, 5,000 levels of list and of
mapping nesting, an alias chain nesting 200 deep, Latin-1, UTF-16, binary and NUL bytes, 4,000-digit
integers, non-finite floats, Arabic-Indic digits, ``repeat: 1000000000``, executable and set tags,
two documents, an undefined alias and a list as a key.
"""

from __future__ import annotations

import os
import signal
from contextlib import contextmanager
from pathlib import Path

import pytest

from costcalc.config import config_file as configs
from costcalc.config.config_file import ConfigError, ConfigFile

HOSTILE = Path(__file__).parent / "hostile"
ROOT = Path(__file__).resolve().parents[1]

REFUSED = {  # file → what the one error line says
    "alias_bomb.yaml": "at most 1,000,000 may be added by aliases",
    "alias_depth.yaml": "aliases nest the data more than 64 levels deep",
    "binary.yaml": ":2: not UTF-8 text (byte 0x80 at offset 128)",
    "complex_key.yaml": ":1: a key must be a plain name",
    "cyclic_alias.yaml": ":2: alias *l refers to a value that contains it (a cycle)",
    "deep_lists.yaml": ":1: ",  # libyaml stops at its own limit (1,000), ours is 64
    "deep_mappings.yaml": ":1: ",
    "float_overflow.yaml": ":2: 1.0e+999 overflows a float",
    "huge_channels_network.yaml": ":3: 777777777777… (4,000 digits) is too large",
    "huge_int.yaml": ":1: 999999999999… (4,000 digits) is too large; integers have at most 18 digits",
    "latin1.yaml": ":1: not UTF-8 text (byte 0xe9 at offset 9)",
    "nul.yaml": "unacceptable character #x0000",
    "python_tag.yaml": ":1: malformed YAML: tag !!python/object/apply:os.system is not supported",
    "set_tag.yaml": ":1: malformed YAML: tag !!set is not supported",
    "two_documents.yaml": ":2: a second YAML document",
    "undefined_alias.yaml": ":1: alias *nowhere names no anchor",
    "utf16.yaml": ":1: not UTF-8 text (byte 0xff at offset 0)",
}


@contextmanager
def within(seconds: int):
    """Fail (instead of hanging the suite) when the block runs longer than ``seconds``."""
    def expire(signum, frame):
        raise AssertionError(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_corpus_is_covered():
    assert {path.name for path in HOSTILE.glob("*.yaml")} == set(REFUSED) | {"repeat_billion.yaml",
                                                                             "unicode_digits.yaml"}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_loader_refuses_each_hostile_file(loader, name):
    with within(20), pytest.raises(ConfigError) as error:
        ConfigFile(HOSTILE / name)
    message = str(error.value)
    assert message.startswith(str(HOSTILE / name)) and "\n" not in message
    if loader == "libyaml" or name not in ("deep_lists.yaml",):
        assert REFUSED[name] in message


@pytest.mark.parametrize("name", sorted(REFUSED) + ["unicode_digits.yaml"])
@pytest.mark.parametrize("command", [("compare", "--config"), ("model", "--config"), ("sweep", "--config")])
def test_every_command_refuses_in_one_line(run, name, command):
    with within(20):
        line = run.error(*command, str(HOSTILE / name))
    assert str(HOSTILE / name) in line


@pytest.mark.torch  # verify and bench ask for torch before they read the file
def test_verify_suite_and_device_profile_loaders_refuse_too(run):
    for name in ("alias_bomb.yaml", "cyclic_alias.yaml", "latin1.yaml", "float_overflow.yaml"):
        with within(30):
            assert str(HOSTILE / name) in run.error("verify", "--suite", str(HOSTILE / name))
            assert str(HOSTILE / name) in run.error("bench", "--in", "8", "--out", "8", "--kernel", "3", "--size", "8",
                                                    "--device", str(HOSTILE / name))


def test_repeat_is_bounded(run):
    line = run.error("model", "--config", str(HOSTILE / "repeat_billion.yaml"))
    assert ":4: repeat must be an integer from 1 to 100,000, got 1000000000" in line


def test_unicode_digits_are_not_numbers(run):
    assert ":1: in must be a positive integer, got '١٢'" in run.error("compare", "--config",
                                                                      str(HOSTILE / "unicode_digits.yaml"))


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_devices_are_refused_without_reading(run, device):
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    with within(10):
        assert "not a regular file" in run.error("compare", "--config", device)


def test_fifo_is_refused_without_blocking(run, tmp_path):
    fifo = tmp_path / "layer.yaml"
    os.mkfifo(fifo)
    with within(10):
        assert "not a regular file" in run.error("model", "--config", str(fifo))


def test_directory_and_oversized_files_are_refused(run, tmp_path):
    assert "it is a directory" in str(pytest.raises(ConfigError, ConfigFile, tmp_path).value)
    big = tmp_path / "big.yaml"
    with open(big, "wb") as handle:
        handle.truncate(configs.MAX_BYTES + 1)  # sparse: nothing is written, nothing must be read
    with within(10):
        assert f"limited to {configs.MAX_BYTES:,} bytes" in run.error("compare", "--config", str(big))


@pytest.mark.parametrize("given, command, kind, reader", [
    ("configs/models/tiny_mobilenet.yaml", ("compare", "--config"), "a network file", "costcalc model --config"),
    ("configs/models/tiny_mobilenet.yaml", ("sweep", "--config"), "a network file", "costcalc model --config"),
    ("configs/sweeps/near_140m.yaml", ("model", "--config"), "a sweep file", "costcalc sweep --config"),
    ("configs/layers/mobilenet_table3.yaml", ("model", "--config"), "a layer spec", "costcalc compare --config"),
    ("configs/verify.yaml", ("compare", "--config"), "a verify suite", "costcalc verify --suite"),
    ("configs/devices/laptop-i5-8250u.yaml", ("sweep", "--config"), "a device profile", "costcalc bench --device"),
])
def test_a_file_for_another_command_is_named_for_what_it_is(run, given, command, kind, reader):
    line = run.error(*command, str(ROOT / given))
    assert f"this is {kind}" in line and reader in line and "did you mean" not in line


def test_ordinary_yaml_still_loads_with_lines(loader, tmp_path):
    path = tmp_path / "net.yaml"
    path.write_text("base: &base {kind: conv, out: 8}\n"
                    "input: 3x8x8\n"
                    "layers:\n"
                    "  - *base\n"
                    "  - {<<: *base, out: 16}\n"
                    "  - {kind: conv, out: 0x3, stride: 010, note: 1.5e+3, big: 999999999999999999}\n",
                    encoding="utf-8")
    config = ConfigFile(path)
    layers = config.data["layers"]
    assert layers[0] == {"kind": "conv", "out": 8} and layers[1] == {"kind": "conv", "out": 16}
    assert layers[2] == {"kind": "conv", "out": "0x3", "stride": "010", "note": 1500.0, "big": 999999999999999999}
    assert str(config.error(("layers", 2, "stride"), "x")) == f"{path}:6: x"
    assert str(config.error(("input",), "x")) == f"{path}:2: x"


def test_duplicate_keys_and_empty_files(loader, tmp_path):
    path = tmp_path / "layer.yaml"
    path.write_text("in: 8\nout: 8\nin: 4\n", encoding="utf-8")
    assert ":3: duplicate key 'in' (first at line 1)" in str(pytest.raises(ConfigError, ConfigFile, path).value)
    path.write_text("# nothing\n", encoding="utf-8")
    assert ConfigFile(path).data is None


def test_shared_aliases_within_the_bound_load_once(loader, tmp_path):
    """A legitimate alias reused many times is fine: 1,000 uses of a 5-value block add 5,000 values."""
    path = tmp_path / "net.yaml"
    path.write_text("block: &b {kind: separable, out: 8}\ninput: 3x8x8\nlayers: [" + ", ".join(["*b"] * 1000) + "]\n",
                    encoding="utf-8")
    data = ConfigFile(path).data
    assert len(data["layers"]) == 1000 and data["layers"][999] == {"kind": "separable", "out": 8}
