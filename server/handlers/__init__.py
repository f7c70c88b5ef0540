"""Thin HTTP handlers: parse the request, call one service, serialize the answer."""
