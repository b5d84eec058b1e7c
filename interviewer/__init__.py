"""AI mock interviewer: asks from a question bank, grades against references, drills on gaps."""

__version__ = "0.1.0"
