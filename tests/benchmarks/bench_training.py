"""``costcalc.analyze(..., training=True)`` against FlopCounterMode's forward + backward, side by side.

Run: python tests/benchmarks/bench_training.py [--repeats N] [--threads T]   (not collected by pytest)

Two models, built here with ``torch.nn`` (torchvision is not a dependency): ResNet-50 (bottleneck blocks
[3, 4, 6, 3], 1×3×224×224) and a BERT-base-shaped encoder (``nn.TransformerEncoder``: 12 layers, d 768,
12 heads, feed-forward 3072, 1×128 tokens). For each, in this process on the same model and input:
FlopCounterMode around a forward and a real ``.backward()`` in training mode (what a user runs to count a
training step),
``costcalc.analyze(model, x, training=True)`` (forward recorded with grad, backward by analytic rule, the
real backward run for what checkpointing recomputes) and, for reference, ``reconcile=True`` (FlopCounterMode
beneath, and fvcore). The first call of each is timed on its own, then the median of ``--repeats`` calls,
alternating so machine load hits all alike. The target (issue 18): training ≤ 1.5 × FlopCounterMode.
"""

from __future__ import annotations

import argparse
import statistics
import warnings

from timing import timed


def resnet50():
    """ResNet-50 (He et al. 2016, table 1): a 7×7/2 stem, max pool, bottleneck stages [3, 4, 6, 3] of widths
    64·2ⁱ expanding 4×, global pooling and a 1000-way classifier."""
    from torch import nn

    class Bottleneck(nn.Module):
        def __init__(self, inputs: int, width: int, stride: int):
            super().__init__()
            outputs = 4 * width
            self.body = nn.Sequential(
                nn.Conv2d(inputs, width, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True),
                nn.Conv2d(width, width, 3, stride, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True),
                nn.Conv2d(width, outputs, 1, bias=False), nn.BatchNorm2d(outputs))
            self.shortcut = nn.Identity() if stride == 1 and inputs == outputs else nn.Sequential(
                nn.Conv2d(inputs, outputs, 1, stride, bias=False), nn.BatchNorm2d(outputs))

        def forward(self, x):
            return (self.body(x) + self.shortcut(x)).relu()

    layers, inputs = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True),
                      nn.MaxPool2d(3, 2, 1)], 64
    for stage, blocks in enumerate([3, 4, 6, 3]):
        for block in range(blocks):
            layers.append(Bottleneck(inputs, 64 * 2 ** stage, 2 if block == 0 and stage else 1))
            inputs = 256 * 2 ** stage
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2048, 1000))


def bert_base():
    from torch import nn

    layer = nn.TransformerEncoderLayer(768, 12, 3072, batch_first=True)
    return nn.TransformerEncoder(layer, 12, enable_nested_tensor=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    options = parser.parse_args()

    import torch
    from torch.utils.flop_counter import FlopCounterMode

    import costcalc

    torch.set_num_threads(options.threads)
    warnings.simplefilter("ignore")
    print(f"torch {torch.__version__}, {options.threads} thread(s), median of {options.repeats}")
    print(f"{'model':10} {'':40} {'first call':>11} {'median':>10} {'× FlopCounterMode':>18}")
    for name, model, x in (("ResNet-50", resnet50(), torch.zeros(1, 3, 224, 224)),
                           ("BERT-base", bert_base(), torch.zeros(1, 128, 768))):
        def flop_counter(model=model, x=x) -> int:
            model.train()  # as analyze runs a training step (dropout on, batch statistics)
            with FlopCounterMode(display=False) as counter:
                model(x).sum().backward()
            model.zero_grad(set_to_none=True)
            return counter.get_total_flops()

        def ours(model=model, x=x) -> int:
            return costcalc.analyze(model, x, training=True).training.macs

        def reconciled(model=model, x=x) -> int:
            return costcalc.analyze(model, x, training=True, reconcile=True).training.macs

        calls = {"FlopCounterMode forward+backward": flop_counter, "analyze(training=True)": ours,
                 "analyze(training=True, reconcile=True)": reconciled}
        first = {label: timed(call) for label, call in calls.items()}
        runs: dict[str, list[float]] = {label: [] for label in calls}
        for _ in range(options.repeats):
            for label, call in calls.items():
                runs[label].append(timed(call))
        medians = {label: statistics.median(times) for label, times in runs.items()}
        base = medians["FlopCounterMode forward+backward"]
        for label, median in medians.items():
            print(f"{name:10} {label:40} {first[label]:>9.3f} s {median:>8.3f} s {median / base:>17.2f}×")
        training = costcalc.analyze(model, x, training=True).training
        print(f"{name:10} forward {training.forward_macs:,} + backward {training.backward_macs:,} MACs "
              f"(backward {training.backward_macs / training.forward_macs:.3f}× the forward); ratio "
              f"{medians['analyze(training=True)'] / base:.2f}× (target ≤ 1.5×)")


if __name__ == "__main__":
    main()
