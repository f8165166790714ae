"""People pages that combine apps; URLs and names unchanged."""
