"""AI mock interviewer: asks from a question bank, grades against references, drills on gaps."""

__version__ = "0.1.0"

# On a busy 2-core machine, OpenMP threads that spin while waiting fight for the cores: a
# 300-word answer took 2 s to grade with the default policy and 0.27 s with PASSIVE. libgomp
# reads this once, when torch loads, so it is set here, before anything can import torch.
import os as _os

_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
