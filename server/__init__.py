"""PhotoShare server: aiohttp API, services, and the backend seams (stores, blobs, timelines, jobs)."""

__version__ = "0.1.0"
