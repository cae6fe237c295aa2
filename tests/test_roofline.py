"""Roofline arithmetic, device profiles and Spearman's rank correlation (hand-computed values)."""

import json
import math
import subprocess
import sys

import pytest

from costcalc.bench.statistics import ranks, spearman
from costcalc.config.config_file import SHIPPED_CONFIGS, ConfigError
from costcalc.config.device_profiles import DEVICES_DIR, load_profile, resolve_profile, shipped_profiles
from costcalc.engine.roofline import DeviceProfile, estimate, estimate_sequence

DEVICE = DeviceProfile("toy", peak_macs=1e4, bandwidth=1e3)  # ridge point: 10 MACs per byte


def test_compute_and_memory_bound():
    # 50,000 MACs / 10,000 MAC/s = 5 s; 2,000 B / 1,000 B/s = 2 s → 5 s, compute-bound (intensity 25 > 10).
    bound = estimate(50_000, 2_000, DEVICE)
    assert (bound.compute_s, bound.memory_s, bound.seconds, bound.bound) == (5.0, 2.0, 5.0, "compute")
    # 10,000 MACs → 1 s; 8,000 B → 8 s: memory-bound (intensity 1.25 < 10).
    bound = estimate(10_000, 8_000, DEVICE)
    assert (bound.seconds, bound.bound) == (8.0, "memory")
    # a layer without MACs (batch norm) is always memory-bound.
    assert estimate(0, 3_000, DEVICE).bound == "memory"
    assert DEVICE.ridge == 10.0


def test_sequence_sums_each_layers_bound():
    # [5 s compute, 8 s memory] → 13 s, not max(6 s, 10 s) = 10 s of the summed terms.
    total = estimate_sequence([(50_000, 2_000), (10_000, 8_000)], DEVICE)
    assert (total.compute_s, total.memory_s, total.seconds) == (6.0, 10.0, 13.0)
    assert total.bound == "memory"
    assert estimate_sequence([], DEVICE).seconds == 0.0


@pytest.mark.parametrize("peak, bandwidth, message", [
    (0.0, 1e9, "peak_macs must be a number of MAC/s from 1e3 to 1e18"),
    (1e-320, 1e9, "got 1e-320"), (float("nan"), 1e9, "got nan"), (float("inf"), 1e9, "got inf"),
    (1e9, 1e17, "bandwidth must be a number of bytes/s from 1e3 to 1e16"), (1e9, True, "got True"),
])
def test_profile_rejects_rates_outside_the_range(peak, bandwidth, message):
    with pytest.raises(ValueError, match=message):
        DeviceProfile("x", peak, bandwidth)


def test_shipped_profiles_load_and_round_trip(tmp_path):
    names = shipped_profiles()
    assert {"laptop-i5-8250u", "phone-snapdragon-855", "raspberry-pi-4"} <= set(names)
    laptop = resolve_profile("laptop-i5-8250u")
    # 4 cores × 16 FMA/cycle × 3.4 GHz; 2 channels × 8 B × 2400 MT/s.
    assert (laptop.peak_macs, laptop.bandwidth) == (217.6e9, 38.4e9)
    path = tmp_path / "copy.yaml"
    path.write_text(laptop.to_yaml("a comment"), encoding="utf-8")
    assert load_profile(path) == laptop
    assert resolve_profile(str(path)) == laptop


def test_shipped_configs_hold_the_suite_and_the_profiles():
    # In a checkout they are the repo's configs/; a wheel carries them as costcalc/_configs
    # (tests/test_packaging.py checks the built wheel).
    from costcalc.config.verify_suite import DEFAULT_SUITE

    assert DEVICES_DIR == SHIPPED_CONFIGS / "devices" and DEFAULT_SUITE == SHIPPED_CONFIGS / "verify.yaml"
    assert DEFAULT_SUITE.is_file()
    assert sorted(path.stem for path in DEVICES_DIR.glob("*.yaml")) == shipped_profiles()


def test_profile_accepts_yaml11_exponents_as_text(tmp_path):
    # YAML 1.1 reads "2e9" as a string; the loader accepts it as a number.
    path = tmp_path / "p.yaml"
    path.write_text("peak_macs: 2e9\nbandwidth: 1000000\n", encoding="utf-8")  # 1_000_000: refused (number rule)
    profile = load_profile(path)
    assert (profile.name, profile.peak_macs, profile.bandwidth) == ("p", 2e9, 1e6)


@pytest.mark.parametrize("text, message", [
    ("peak_macs: 1e9\nbandwidth: -5\n", "p.yaml:2: bandwidth must be a number of bytes/s from 1e3 to 1e16"),
    ("peak_macs: fast\nbandwidth: 1e9\n", "p.yaml:1: peak_macs must be a number of MAC/s from 1e3 to 1e18"),
    ("peak_macs: 1e-320\nbandwidth: 1e9\n", "p.yaml:1: peak_macs .* got 1e-320"),
    # .nan / .inf meet the YAML loader's number policy (every config file) first, with file and line.
    ("peak_macs: .nan\nbandwidth: 1e9\n", "p.yaml:1: '.nan' is not a finite number"),
    ("peak_macs: 1e9\nbandwidth: .inf\n", "p.yaml:2: '.inf' is not a finite number"),
    ("peak_macs: 1e9\nbandwidth: 1e300\n", "p.yaml:2: bandwidth .* got 1e\\+300"),
    ("peak_macs: 1e9\n", "missing 'bandwidth'"),
    ("peak_macs: 1e9\nbandwidth: 1e9\nflops: 3\n", "p.yaml:3: unknown key 'flops'"),
    ("peak_macs: 1e9\nbandwidth: 1e9\nthreads: 0\n", "p.yaml:3: threads must be an integer from 1 to 4,096, got 0"),
    ("- 1\n- 2\n", "a device profile must be a mapping"),
])
def test_bad_profiles_name_file_and_line(tmp_path, text, message):
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_profile(path)


def test_unknown_device_names_the_shipped_ones(tmp_path):
    with pytest.raises(ConfigError, match="unknown device 'laptop'; give a YAML file or one of: laptop-i5-8250u"):
        resolve_profile("laptop")
    with pytest.raises(ConfigError, match="unknown device file"):
        resolve_profile(str(tmp_path / "missing.yaml"))


def test_ranks_average_ties():
    assert ranks([10, 20, 20, 30]) == [1.0, 2.5, 2.5, 4.0]
    assert ranks([3, 1, 2]) == [3.0, 1.0, 2.0]
    assert ranks([5, 5, 5]) == [2.0, 2.0, 2.0]


def test_spearman_hand_computed():
    # No ties: d = (−1, 1, −1, 1, 0), Σd² = 4 → ρ = 1 − 6·4 / (5·(25 − 1)) = 0.8.
    assert spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]) == pytest.approx(0.8)
    # Ties: y ranks (1, 2, 3.5, 5, 3.5); centred x (−2, −1, 0, 1, 2), y (−2, −1, 0.5, 2, 0.5):
    # cov = 4 + 1 + 0 + 2 + 1 = 8, Σx² = 10, Σy² = 9.5 → ρ = 8 / √95 = 0.82078…
    assert spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) == pytest.approx(8 / math.sqrt(95))
    assert spearman([1, 2, 3], [30, 20, 10]) == pytest.approx(-1.0)
    assert spearman([1, 2, 3], [1.5, 100, 1e9]) == pytest.approx(1.0)  # only order matters
    assert spearman([1, 2, 3], [7, 7, 7]) is None
    assert spearman([1], [2]) is None
    with pytest.raises(ValueError):
        spearman([1, 2], [1])


def test_memory_and_roofline_never_import_torch():
    code = ("import sys, json; import costcalc.engine.memory, costcalc.engine.roofline, "
            "costcalc.config.device_profiles, costcalc.commands.bench, costcalc.bench.plan, costcalc.views.bench, "
            "costcalc.bench.timing; "
            "print(json.dumps([m for m in ('torch', 'fvcore', 'numpy') if m in sys.modules]))")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(output) == []


@pytest.mark.parametrize("written, fragment", [
    ('"1,5e12"', "peak_macs must be a number of MAC/s"),  # a decimal comma is not read as 1.5e13
    ('"٢e12"', "is not a number written with ASCII digits"),
    ('"1e999"', "overflows a float"),
])
def test_profile_rates_written_as_text_follow_the_number_rule(tmp_path, written, fragment):
    path = tmp_path / "device.yaml"
    path.write_text(f"name: x\npeak_macs: {written}\nbandwidth: 1e10\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=fragment):
        load_profile(path)
    path.write_text('name: x\npeak_macs: "1.2e11"\nbandwidth: 1e10\n', encoding="utf-8")
    assert load_profile(path).peak_macs == 1.2e11


def test_bandwidth_by_working_set_size():
    """A profile with bandwidths by size bounds each layer by the bandwidth its working set can reach: the best
    measured at the largest calibrated size not above it or at any larger one (never below ``bandwidth``)."""
    profile = DeviceProfile("cache", peak_macs=1e12, bandwidth=1e10,
                            bandwidth_by_size=((32768, 5e10), (262144, 8e10), (134217728, 1.2e10)))
    assert profile.bandwidth_for(1000) == 8e10  # below every size: the best of all
    assert profile.bandwidth_for(32768) == 8e10  # 32 KiB: a non-monotone calibration still gives a bound
    assert profile.bandwidth_for(300_000) == 8e10  # between 256 KiB and 128 MiB: the best from 256 KiB up
    assert profile.bandwidth_for(200_000_000) == 1.2e10  # beyond 128 MiB: the 128 MiB value
    assert profile.bandwidth_for(1 << 40) == 1.2e10
    # a 1 MB layer with 1,000 MACs: 10^6 bytes ≥ 262,144, so the 256 KiB and larger measurements, best 8e10:
    # 10^6 / 8e10 = 12.5 µs (on the 1e10 main-memory bandwidth alone: 100 µs)
    assert estimate(1000, 10**6, profile).memory_s == pytest.approx(10**6 / 8e10)
    single = DeviceProfile("dram", peak_macs=1e12, bandwidth=1e10)  # one bandwidth: as before
    assert single.bandwidth_for(1000) == 1e10 and estimate(0, 10**6, single).memory_s == pytest.approx(1e-4)


def test_a_profile_with_bandwidths_by_size_round_trips(tmp_path):
    path = tmp_path / "cache.yaml"
    path.write_text("peak_macs: 1e12\nbandwidth: 1.0e+10\nbandwidth_by_size:\n  32768: 5.0e+10\n  134217728: 1.2e+10\n")
    profile = load_profile(path)
    assert profile.bandwidth_by_size == ((32768, 5e10), (134217728, 1.2e10))
    again = tmp_path / "again.yaml"
    again.write_text(profile.to_yaml())
    assert load_profile(again) == profile


@pytest.mark.parametrize("text, message", [
    ("dtype: 2026-12-04\n", ":3: dtype must be one of float32, float16, int8, got date datetime.date(2026, 12, 4)"),
    ("dtype: bfloat64\n", ":3: dtype must be one of float32, float16, int8, got str 'bfloat64'"),
    ("name: 12\n", ":3: name must be text, got int 12"),
    ("description: [a]\n", ":3: description must be text, got list ['a']"),
    ("source: 2026-01-01\n", ":3: source must be text, got date"),
    ("threads: 100000\n", ":3: threads must be an integer from 1 to 4,096, got 100000"),
    ("bandwidth_by_size:\n  32768: 2.0e11\n  big: 1e10\n",
     ":5: bandwidth_by_size: a working-set size must be an integer"),
    ("bandwidth_by_size:\n  32768: 1e99\n", ":4: bandwidth must be a number of bytes/s from 1e3 to 1e16"),
    ("bandwidth_by_size: 5\n", ":3: bandwidth_by_size must be a mapping of working-set bytes to bytes/s"),
])
def test_every_profile_field_is_checked_at_load(tmp_path, text, message):
    """A YAML date as ``dtype`` ran the whole timing, then a traceback: every field is checked at load."""
    path = tmp_path / "device.yaml"
    path.write_text("peak_macs: 1e11\nbandwidth: 1.0e+10\n" + text)
    with pytest.raises(ConfigError) as error:
        load_profile(path)
    assert f"device.yaml{message}" in str(error.value)


def test_shipped_profiles_hold_every_field_valid():
    for name in shipped_profiles():
        assert load_profile(DEVICES_DIR / f"{name}.yaml").dtype in (None, "float32", "float16", "int8")
