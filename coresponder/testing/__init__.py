"""Helpers the test suites of every app share: data, shared fixtures, browsers, naughty strings."""
