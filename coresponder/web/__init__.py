"""Pages and APIs that combine apps: the top layer (docs/architecture.md)."""
