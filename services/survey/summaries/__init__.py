"""Internal reads for the metrics service: merged bucket summaries, and free-text comments."""
