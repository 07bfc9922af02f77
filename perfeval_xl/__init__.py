"""perfeval_xl: budget-performance self-evaluation forms that compute and check themselves."""

__version__ = "0.1.0"
