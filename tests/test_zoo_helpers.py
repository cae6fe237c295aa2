"""The zoo's shared helpers: the choice check, the ImageNet guard, the classifier head and the
options an entry derives (EfficientNet's native resolution)."""

from __future__ import annotations

import dataclasses

import pytest

from costcalc.engine import zoo
from costcalc.engine.cost import cost
from costcalc.engine.specs import (
    Activation,
    BatchNorm2d,
    Conv2d,
    Flatten,
    GlobalAvgPool,
    Linear,
    Shape,
    SpecError,
    sequence,
)
from costcalc.engine.zoo.checks import check_choice
from costcalc.engine.zoo.efficientnet import VARIANTS, native_res
from costcalc.engine.zoo.heads import classifier
from costcalc.sweep import grid as sweep


@pytest.mark.parametrize("value, choices, kwargs, expected", [
    ("small", ("large", "small"), {}, "small"),
    ("B3", ("b0", "b3"), {"ignore_case": True}, "b3"),
    (1, (0.5, 1.0), {}, 1),
    (8, (1, 2, 3, 4, 8), {}, 8),
])
def test_check_choice_returns_the_value(value, choices, kwargs, expected):
    assert check_choice("option", value, choices, **kwargs) == expected


@pytest.mark.parametrize("value, choices, kwargs, message", [
    ("smal", ("large", "small"), {}, "size must be one of large, small, got 'smal'; did you mean 'small'?"),
    ("LARGE", ("large", "small"), {}, "size must be one of large, small, got 'LARGE'"),
    (True, (1, 2, 3, 4, 8), {"why": "ShuffleNet Table 1"},
     "size must be one of 1, 2, 3, 4, 8 (ShuffleNet Table 1), got True"),
    (5, (1, 2, 3, 4, 8), {}, "size must be one of 1, 2, 3, 4, 8, got 5"),
    (float("nan"), (0.5, 1.0, 1.5, 2.0), {}, "size must be one of 0.5, 1, 1.5, 2, got nan"),
    ([1], ("large", "small"), {}, "size must be one of large, small, got [1]"),
])
def test_check_choice_names_the_choices(value, choices, kwargs, message):
    with pytest.raises(SpecError) as error:
        check_choice("size", value, choices, **kwargs)
    assert str(error.value) == message


@pytest.mark.parametrize("options, kwargs, expected", [
    ({"res": 224, "classes": 1000}, {}, True),
    ({"res": 224, "classes": 1001}, {}, False),
    ({"res": 224, "classes": 1001}, {"background": True}, True),
    ({"res": 192, "classes": 1000}, {}, False),
    ({"res": 300, "classes": 1000}, {"res": 300}, True),
    ({"res": 224, "classes": 10}, {"background": True}, False),
])
def test_imagenet_setting(options, kwargs, expected):
    assert zoo.imagenet(options, **kwargs) is expected


def test_nothing_is_published_off_the_imagenet_setting():
    for entry in zoo.MODELS.values():
        if "classes" not in entry.options:
            continue
        options = entry.resolve(entry.build(**{**entry.defaults, "classes": 10}).options)
        assert entry.accuracy(options) == [], entry.name


@pytest.mark.parametrize("kwargs, layers", [
    ({}, [("pool", GlobalAvgPool()), ("flatten", Flatten()), ("fc", Linear(64, 10))]),
    ({"bias": False}, [("pool", GlobalAvgPool()), ("flatten", Flatten()), ("fc", Linear(64, 10, bias=False))]),
    ({"conv": 128, "conv_name": "conv5"},
     [("conv5", Conv2d(64, 128, 1, padding=0)), ("conv5_bn", BatchNorm2d(128)), ("conv5_act", Activation("relu")),
      ("pool", GlobalAvgPool()), ("flatten", Flatten()), ("fc", Linear(128, 10))]),
    ({"conv": 96, "activation": "hardswish", "hidden": 32},
     [("conv_last", Conv2d(64, 96, 1, padding=0)), ("conv_last_bn", BatchNorm2d(96)),
      ("conv_last_act", Activation("hardswish")), ("pool", GlobalAvgPool()), ("flatten", Flatten()),
      ("fc1", Linear(96, 32)), ("fc1_act", Activation("hardswish")), ("fc2", Linear(32, 10))]),
])
def test_classifier_head_layers(kwargs, layers):
    assert classifier(64, 10, **kwargs) == layers


def test_classifier_head_macs_by_hand():
    """1×1 conv 64 → 96 on 7×7 (49·64·96) + fc 96 → 32 + fc 32 → 10."""
    head = sequence(*classifier(64, 10, conv=96, activation="hardswish", hidden=32))
    assert cost(head, Shape(64, 7, 7)).macs == 49 * 64 * 96 + 96 * 32 + 32 * 10


@pytest.mark.parametrize("variant", VARIANTS)
def test_efficientnet_derives_its_native_resolution(variant):
    entry = zoo.find("efficientnet")
    resolved = entry.resolve({"variant": variant, "res": None, "classes": 1000})
    assert resolved == {"variant": variant, "res": VARIANTS[variant][2], "classes": 1000}
    assert resolved["res"] == entry.build(variant=variant).options["res"] == native_res({"variant": variant})
    assert entry.resolve({"variant": variant, "res": 192, "classes": 1000})["res"] == 192


def test_published_top1_builds_no_network():
    """The native resolution comes from the entry, not from building the network (Table 2's B3: 81.6)."""
    entry = zoo.find("efficientnet")

    def refuse(**options):
        raise AssertionError("published_top1 built a network")

    config = sweep.Plan(entry, {"variant": ("b3",)}).configs()[0]
    assert config.kwargs["res"] is None
    assert sweep.published_top1(dataclasses.replace(entry, build=refuse), config).top1 == "81.6"
