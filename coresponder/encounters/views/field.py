"""The field view: the responder's phone on scene."""
