"""The figures behind ``ceasemon.plots``, which is the public module.

This package's own module holds the names of the figure kinds, formats and colours and imports
nothing heavy, so that the command line can offer them without importing pandas or matplotlib.
``common`` has the style, the statistics (t-bands, Kaplan-Meier, ECDFs, sensor coverage) and the
input checks; ``run`` the figures of one run; ``studies`` those of comparisons and sweeps.
"""

from __future__ import annotations

#: Every kind of figure.
KINDS: tuple[str, ...] = (
    "timeseries",
    "line",
    "delays",
    "attribution",
    "deterrence",
    "compare",
    "sweep",
)
#: The figures of a run's results directory (``ceasemon run`` draws these).
RUN_KINDS: tuple[str, ...] = KINDS[:5]
FORMATS: tuple[str, ...] = ("png", "svg", "pdf")
#: Okabe-Ito, reordered so that the first colours are the most distinct on white.
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#E69F00",  # orange
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
)
#: Metrics of the compare figure, in panel order.
KEY_METRICS: tuple[str, ...] = (
    "detected_share",
    "verified_share",
    "attribution_accuracy",
    "responded_share",
    "detection_delay_h",
    "attribution_delay_h",
    "response_delay_d",
    "aggressor_intensity_mean",
    "collapsed",
)
DEFAULT_SWEEP_METRIC = "collapsed"
