"""Synthetic landing data of a mobile operator: churn and fraud with documented drivers.

``generate`` writes every feed of the data contract, day by day, into a landing zone;
see the README section "Synthetic operator data" for what the world contains and how strong each effect is.
"""

from devtools.synth.generate import GenerationSummary, generate

__all__ = ["GenerationSummary", "generate"]
