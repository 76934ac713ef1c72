"""Speed-only code, kept apart from the mechanism.

Nothing here is part of the model's semantics: each kernel computes what a plain numpy
expression would (the same numbers, the same random-stream state), only faster.  A reader
of a stage module sees the mechanism; the tricks live here, each with its own tests.
"""
