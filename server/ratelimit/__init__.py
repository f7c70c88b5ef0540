"""Write rate limits (``base``, ``redis``) and failed sign-in throttling (``login``, ``login_redis``)."""
