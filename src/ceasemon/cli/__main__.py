"""``python -m ceasemon.cli``: the same command line as the ``ceasemon`` console script."""

from . import main

main()
