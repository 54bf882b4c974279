"""Configured systems run across levels, and the reduction-error report."""
