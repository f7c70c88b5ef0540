"""The two ways the pipeline says no.

MediaError is the user's fault (the server answers 400 with its code and message);
ProcessingFailed happens later, inside the job, and marks the media "failed".
"""

INVALID_MEDIA = "invalid_media"
UNSUPPORTED_MEDIA = "unsupported_media"
TOO_LARGE = "too_large"

CODES = frozenset({INVALID_MEDIA, UNSUPPORTED_MEDIA, TOO_LARGE})


class MediaError(Exception):
    """Rejected at intake; `code` is one of CODES, `message` is for humans."""

    def __init__(self, code: str, message: str):
        if code not in CODES:
            raise ValueError(f"unknown media error code {code!r}")
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def __reduce__(self):
        # Keep the exception picklable across the process-pool boundary.
        return (type(self), (self.code, self.message))


class ProcessingFailed(Exception):
    """A file that passed intake could not be rendered; `reason` is short and for humans."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason

    def __reduce__(self):
        return (type(self), (self.reason,))
