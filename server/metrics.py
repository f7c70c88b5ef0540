"""Prometheus text-format metrics kept in process: requests, latencies, jobs, queue depth."""

from __future__ import annotations

import bisect
from collections import defaultdict

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Histogram:
    __slots__ = ("counts", "total", "count")

    def __init__(self) -> None:
        self.counts = [0] * (len(LATENCY_BUCKETS) + 1)
        self.total = 0.0
        self.count = 0

    def observe(self, seconds: float) -> None:
        self.counts[bisect.bisect_left(LATENCY_BUCKETS, seconds)] += 1
        self.total += seconds
        self.count += 1


def _labels(**labels: str) -> str:
    inner = ",".join(f'{key}="{str(value).replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"' for key, value in labels.items())
    return "{" + inner + "}"


class Metrics:
    def __init__(self) -> None:
        self.requests: dict[tuple[str, str, int], int] = defaultdict(int)
        self.latency: dict[tuple[str, str], Histogram] = defaultdict(Histogram)
        self.jobs: dict[tuple[str, str], int] = defaultdict(int)
        self.job_seconds: dict[str, Histogram] = defaultdict(Histogram)
        self.gauges: dict[str, float] = {}
        self.counters: dict[tuple[str, tuple[tuple[str, str], ...]], int] = defaultdict(int)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests[(method, route, status)] += 1
        self.latency[(method, route)].observe(seconds)

    def observe_job(self, kind: str, outcome: str, seconds: float) -> None:
        self.jobs[(kind, outcome)] += 1
        self.job_seconds[kind].observe(seconds)

    def set_gauge(self, name: str, value: float) -> None:
        self.gauges[name] = value

    def count(self, name: str, **labels: str) -> None:
        """Add one to a counter, e.g. ``count("timeline_reads_total", source="redis")``."""
        self.counters[(name, tuple(sorted(labels.items())))] += 1

    def render(self) -> str:
        out: list[str] = []
        out += ["# HELP photoshare_http_requests_total HTTP requests answered.", "# TYPE photoshare_http_requests_total counter"]
        for (method, route, status), count in sorted(self.requests.items()):
            out.append(f"photoshare_http_requests_total{_labels(method=method, route=route, status=str(status))} {count}")
        out += self._histograms("photoshare_http_request_duration_seconds", "Time to answer HTTP requests.",
                                {(("method", m), ("route", r)): h for (m, r), h in self.latency.items()})
        out += ["# HELP photoshare_jobs_total Background jobs run, by outcome.", "# TYPE photoshare_jobs_total counter"]
        for (kind, outcome), count in sorted(self.jobs.items()):
            out.append(f"photoshare_jobs_total{_labels(kind=kind, outcome=outcome)} {count}")
        out += self._histograms("photoshare_job_duration_seconds", "Time spent running background jobs.",
                                {(("kind", k),): h for k, h in self.job_seconds.items()})
        previous = None
        for (name, labels), count in sorted(self.counters.items()):
            if name != previous:
                out.append(f"# TYPE photoshare_{name} counter")
                previous = name
            out.append(f"photoshare_{name}{_labels(**dict(labels)) if labels else ''} {count}")
        for name, value in sorted(self.gauges.items()):
            out += [f"# TYPE photoshare_{name} gauge", f"photoshare_{name} {value}"]
        return "\n".join(out) + "\n"

    @staticmethod
    def _histograms(name: str, help_text: str, series: dict) -> list[str]:
        out = [f"# HELP {name} {help_text}", f"# TYPE {name} histogram"]
        for label_pairs, histogram in sorted(series.items()):
            labels = dict(label_pairs)
            cumulative = 0
            for bound, count in zip(LATENCY_BUCKETS + (float("inf"),), histogram.counts):
                cumulative += count
                le = "+Inf" if bound == float("inf") else repr(bound)
                out.append(f"{name}_bucket{_labels(**labels, le=le)} {cumulative}")
            out.append(f"{name}_sum{_labels(**labels)} {histogram.total}")
            out.append(f"{name}_count{_labels(**labels)} {histogram.count}")
        return out
