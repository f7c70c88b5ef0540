"""API errors: a status code, a stable snake_case code, and a message for humans."""

from __future__ import annotations


class ApiError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None, headers: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.headers = headers or {}


class InvalidInput(ApiError):
    status, code = 400, "invalid_input"


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class NotFound(ApiError):
    status, code = 404, "not_found"


class Conflict(ApiError):
    status, code = 409, "conflict"


class PayloadTooLarge(ApiError):
    # The contract answers oversize uploads with 400 too_large (not 413), as the seed says.
    status, code = 400, "too_large"


class RateLimited(ApiError):
    status, code = 429, "rate_limited"

    def __init__(self, retry_after: int):
        super().__init__(f"Too many requests; try again in {retry_after} s.", headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


class Unavailable(ApiError):
    status, code = 503, "unavailable"

    def __init__(self, message: str, retry_after: int = 5):
        super().__init__(message, headers={"Retry-After": str(retry_after)})
