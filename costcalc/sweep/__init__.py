"""Design-space sweeps: a grid of network options (from the command line or a sweep file), costed
analytically, with ratios to a reference, Pareto fronts and a plot."""
