"""The analytic engine: specs, their costs by the papers' formulas, the kinds registry, layer comparisons,
memory traffic, roofline estimates and the zoo of networks. Pure Python with exact integers; never imports
torch, click or the views."""
