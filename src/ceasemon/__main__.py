"""``python -m ceasemon``: the same command line as the ``ceasemon`` console script."""

from .cli import main

main()
