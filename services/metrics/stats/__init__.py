"""The statistics engine of TrustPulse: exact statistics from bucket summaries.

Pure functions (numpy and scipy, no I/O). Inputs are histograms (``value -> count``) and
moments (``n``, ``sums``, ``cross``) exactly as ``shared.summaries.Summary`` holds them;
outputs are frozen result values whose ``to_dict()`` is JSON-ready, never NaN, with a
machine-readable ``reason`` when a value cannot be computed.

Modules: `moments` (inputs), `estimates` (values with intervals), `reliability`
(Cronbach's alpha), `comparisons` (Welch, Mann-Whitney), `categorical` (proportions,
NPS, chi-square), `trend` (Mann-Kendall, Sen), `drivers` (correlations, relative
weights), `multiple` (Benjamini-Hochberg), `batch` (vectorised estimates and tests),
`results` (result values).
"""

from .batch import batch_mann_whitney_tests, batch_mean_estimates, batch_welch_t_tests
from .categorical import (
    chi_square_test,
    nps_difference_test,
    share_test,
    two_proportion_z_test,
)
from .comparisons import (
    index_welch_t_test,
    mann_whitney_test,
    welch_t_test,
    welch_t_test_from_sums,
)
from .drivers import driver_analysis, relative_weights
from .estimates import (
    index_estimate,
    mean_estimate,
    nps_estimate,
    option_share_estimate,
    share_estimate,
    top2_estimate,
    wilson_interval,
)
from .moments import (
    Moments,
    histogram_items,
    index_histogram,
    moments_from_summary,
    power_sums,
    question_histogram,
)
from .multiple import benjamini_hochberg
from .reliability import cronbach_alpha
from .results import Driver, Drivers, Estimate, GroupTest, Trend
from .trend import mann_kendall_test, sen_slope

__all__ = [
    "Driver", "Drivers", "Estimate", "GroupTest", "Moments", "Trend",
    "batch_mann_whitney_tests", "batch_mean_estimates", "batch_welch_t_tests",
    "benjamini_hochberg", "chi_square_test", "cronbach_alpha", "driver_analysis",
    "histogram_items", "index_estimate", "index_histogram", "index_welch_t_test",
    "mann_kendall_test", "mann_whitney_test", "mean_estimate", "moments_from_summary",
    "nps_difference_test", "nps_estimate", "option_share_estimate", "power_sums",
    "question_histogram", "relative_weights", "sen_slope", "share_estimate", "share_test",
    "top2_estimate", "two_proportion_z_test", "welch_t_test", "welch_t_test_from_sums",
    "wilson_interval",
]
