"""Many replications: seeds, runners, metrics, comparisons and sweeps."""
