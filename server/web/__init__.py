"""HTTP plumbing: the app factory, routes, middlewares, request parsing, JSON shapes, errors, OpenAPI."""
