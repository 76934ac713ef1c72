"""The engines that run a replication: the same mechanism, the same draws, identical records.

* ``fast`` (the default): bulk numpy draws and exact steps (``fast.py``);
* ``simpy``: the mechanism as simpy processes, one per part (``simpy_engine.py``): the
  model's readable form and the oracle the tests compare the fast engine against.

Both take a ``Model``, a replication's ``SeedSequence`` and return ``ReplicationRecords``.
"""

from __future__ import annotations

from collections.abc import Callable

from .fast import simulate_fast
from .simpy_engine import simulate_simpy

#: Engines by the name ``--engine`` and ``cm.run(engine=...)`` take.
ENGINES: dict[str, Callable] = {"fast": simulate_fast, "simpy": simulate_simpy}
