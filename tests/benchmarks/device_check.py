"""The issue-22 check: each model's analysis on the CPU in fp32 against the CPU in bf16 and CUDA in fp32 and bf16.

Run: python tests/benchmarks/device_check.py [--devices cpu,cuda] [--models NAME,...]   (not collected by pytest)

For every model it can build (torchvision, timm and transformers when installed; the repo's own
tests/analyze_models always) it prints, per device and dtype: MACs, whether they equal the CPU fp32
count, ``costed_share``, the unmeasured operators, the notes (a kernel's padded head dimensions) and
any counter failure — and exits 1 if a count differs, a share is not 100 % or anything raised. On a
machine without CUDA the CUDA rows are skipped (CI has none).
"""

from __future__ import annotations

import argparse
import sys
import traceback
import warnings
from pathlib import Path


def builders() -> dict:
    """Model name → (factory, input shape, input dtype) for whatever is installed."""
    import torch

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from analyze_models.sequence import vit_sdpa
    from analyze_models.vision import MobileNetV2, ResNet18

    image = (1, 3, 224, 224)
    found = {"repo ResNet18": (ResNet18, image, None), "repo MobileNetV2": (MobileNetV2, image, None),
             "repo ViT (sdpa)": (vit_sdpa, (1, 3, 32, 32), None)}
    try:
        import torchvision.models as tv

        for name in ("resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_large", "shufflenet_v2_x1_0",
                     "efficientnet_b0", "regnet_y_400mf"):
            found[f"torchvision {name}"] = (getattr(tv, name), image, None)
        found["torchvision deeplabv3"] = (tv.segmentation.deeplabv3_mobilenet_v3_large, (1, 3, 224, 224), None)
    except ImportError:
        pass
    try:
        import timm

        for name in ("ghostnet_100", "levit_128s", "mobilevit_s"):
            found[f"timm {name}"] = (lambda name=name: timm.create_model(name), image, None)
    except ImportError:
        pass
    try:
        from transformers import LlamaConfig, LlamaForCausalLM

        def llama():  # grouped-query attention: 8 query heads over 2 key/value heads
            config = LlamaConfig(hidden_size=256, intermediate_size=512, num_hidden_layers=2, num_attention_heads=8,
                                 num_key_value_heads=2, vocab_size=1000)
            return LlamaForCausalLM(config)

        found["transformers small Llama (GQA)"] = (llama, (1, 32), torch.int64)
    except ImportError:
        pass
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", default="cpu,cuda")
    parser.add_argument("--models", default="")
    options = parser.parse_args()

    import torch

    import costcalc

    warnings.simplefilter("ignore")
    runs = [("cpu", torch.float32), ("cpu", torch.bfloat16)] + [
        (device, dtype) for device in options.devices.split(",") if device != "cpu"
        for dtype in (torch.float32, torch.bfloat16)]
    runs = [(device, dtype) for device, dtype in runs if device == "cpu" or torch.cuda.is_available()]
    wanted = {name for name in options.models.split(",") if name}
    failed = False
    for name, (factory, shape, input_dtype) in builders().items():
        if wanted and name not in wanted:
            continue
        model = factory().eval()
        reference = None
        for device, dtype in runs:
            label = f"{name:34} {device:4} {str(dtype).removeprefix('torch.'):8}"
            try:
                moved = model.to(device=device, dtype=dtype)
                x = (torch.zeros(shape, dtype=input_dtype, device=device) if input_dtype is not None
                     else torch.zeros(shape, dtype=dtype, device=device))
                analysis = costcalc.analyze(moved, x, reconcile=True)
            except Exception:
                failed = True
                print(f"{label} RAISED\n{traceback.format_exc(limit=3)}")
                continue
            totals = analysis.to_dict()["totals"]
            reference = analysis.macs if reference is None else reference
            same = analysis.macs == reference
            failures = analysis.reconciliation.get("flop_counter", {}).get("failures", [])
            failed |= not same or totals["costed_share"] != 1.0
            print(f"{label} {analysis.macs:>15,} {'=' if same else '≠'} cpu  share {totals['costed_share']}  "
                  f"unmeasured {totals['unmeasured_operators']}  notes {totals['notes']}  counter failures {failures}")
        model.to(device="cpu", dtype=torch.float32)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
