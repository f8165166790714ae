"""Dispatch pages that combine apps; URLs and names unchanged."""
