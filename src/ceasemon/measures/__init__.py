"""What is measured: per-replication metrics from records, and their intervals.

It sits in the results layer, below the experiments that produce results and beside the
results directory that stores them, and imports neither pandas nor the file code, so that
a worker process computing a replication's metrics stays light.
"""
