"""The state each ``torch.optim`` optimizer keeps per trainable parameter (torch-free, for the CLI's choices).

``OPTIMIZERS[name]`` = copies of the parameter, in its dtype: SGD keeps none; SGD with momentum one
``momentum_buffer``; Adam and AdamW ``exp_avg`` and ``exp_avg_sq``, and beside them a ``step`` counter,
a float32 scalar tensor per parameter tensor (``STEP_BYTES``), as ``torch.optim.Adam`` allocates on its
first step (neither ``capturable`` nor ``fused``: then it is the same scalar on the parameter's device).
"""

OPTIMIZERS: dict[str, int] = {"sgd": 0, "momentum": 1, "adam": 2, "adamw": 2}
STEP_BYTES: dict[str, int] = {"adam": 4, "adamw": 4}
