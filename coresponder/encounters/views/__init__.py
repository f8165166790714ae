"""Pages of encounters: the field view on a responder's phone, and response plans."""
