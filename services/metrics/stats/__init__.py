"""The statistics engine of TrustPulse: exact statistics from bucket summaries.

Pure functions (numpy and scipy, no I/O). Inputs are histograms (``value -> count``) and
moments (``n``, ``sums``, ``cross``) exactly as ``shared.summaries.Summary`` holds them;
outputs are frozen result values whose ``to_dict()`` is JSON-ready, never NaN, with a
machine-readable ``reason`` when a value cannot be computed.

Modules: `moments` (inputs), `estimates` (values with intervals), `reliability`
(Cronbach's alpha), `comparisons` (Welch, Mann-Whitney), `categorical` (proportions,
NPS, chi-square), `power` (minimum detectable effects), `impact` (difference in
differences, parallel pre-trends), `linkage` (correlation of two metrics over groups),
`trend` (Mann-Kendall, Sen), `drivers` (correlations, relative weights), `multiple`
(Benjamini-Hochberg), `batch` (vectorised estimates and tests), `results` and
`results_analyses` (result values).

Analyses
--------
Minimum detectable effect
    Every two-group test carries ``mde``: the smallest true difference, on the metric's
    scale, that the test would find with power 0.8 at its ``alpha`` given the groups'
    sizes and spread. Means and indices use the noncentral t power of Welch's test
    (Likert items too, by the Welch approximation on the mean scale), shares the normal
    power of the pooled z test at the pooled share's variance, NPS the normal power of
    its z test: :math:`MDE = \\lambda \\cdot SE` (`power`; Cohen 1988).
Difference in differences
    :math:`(\\bar y_{T,1} - \\bar y_{T,0}) - (\\bar y_{C,1} - \\bar y_{C,0})` from four
    independent groups, with :math:`SE = \\sqrt{\\sum s_g^2 / n_g}` (the HC2 standard error
    of the saturated OLS interaction), a normal interval and p-value, and a test of
    parallel pre-trends: the WLS slope of the treated - control difference over earlier
    periods, weighted by the differences' known variances (`impact`; Angrist & Pischke
    2009, sec. 5.2).
Linkage
    Pearson's r over groups' paired means of an employee and a customer metric, with a
    Fisher-z interval and the exact null p-value, and Spearman's rho (`linkage`; Fisher
    1921; Heskett et al. 1994). Needs at least five groups.
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
from .impact import (
    difference_in_differences_from_sums,
    index_difference_in_differences,
    mean_difference_in_differences,
    nps_difference_in_differences,
    period_difference,
    pre_trend_test,
    share_difference_in_differences,
)
from .linkage import LINKAGE_MIN_POINTS, linkage_correlation
from .moments import (
    Moments,
    histogram_items,
    index_histogram,
    moments_from_summary,
    power_sums,
    question_histogram,
)
from .multiple import benjamini_hochberg
from .power import (
    normal_noncentrality,
    nps_mde,
    proportion_mde,
    t_noncentrality,
    welch_df,
    welch_mde,
)
from .reliability import cronbach_alpha
from .results import Driver, Drivers, Estimate, GroupTest, Trend
from .results_analyses import DiffInDiff, Linkage, PreTrend
from .trend import mann_kendall_test, sen_slope

__all__ = [
    "LINKAGE_MIN_POINTS", "DiffInDiff", "Driver", "Drivers", "Estimate", "GroupTest",
    "Linkage", "Moments", "PreTrend", "Trend",
    "batch_mann_whitney_tests", "batch_mean_estimates", "batch_welch_t_tests",
    "benjamini_hochberg", "chi_square_test", "cronbach_alpha",
    "difference_in_differences_from_sums", "driver_analysis", "histogram_items",
    "index_difference_in_differences", "index_estimate", "index_histogram",
    "index_welch_t_test", "linkage_correlation", "mann_kendall_test", "mann_whitney_test",
    "mean_difference_in_differences", "mean_estimate", "moments_from_summary",
    "normal_noncentrality", "nps_difference_in_differences", "nps_difference_test",
    "nps_estimate", "nps_mde", "option_share_estimate", "period_difference", "power_sums",
    "pre_trend_test", "proportion_mde", "question_histogram", "relative_weights",
    "sen_slope", "share_difference_in_differences", "share_estimate", "share_test",
    "t_noncentrality", "top2_estimate", "two_proportion_z_test", "welch_df", "welch_mde",
    "welch_t_test", "welch_t_test_from_sums", "wilson_interval",
]
