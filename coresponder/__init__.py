"""Coresponder: the platform for police–mental-health co-responder programs."""
