"""Analytics: scores, comparisons, distributions, changes, trends, drivers and comments."""
