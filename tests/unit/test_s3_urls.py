"""s3:// URLs and SigV4 presigning (no server needed)."""

import datetime as dt

import pytest

from server.blobs import sigv4
from server.blobs.s3_location import S3URLError, parse_s3_url


def test_minimal_url_uses_path_style_and_presigned_serving():
    location = parse_s3_url("s3://photos?endpoint=http://127.0.0.1:9000")
    assert (location.bucket, location.prefix, location.region, location.addressing, location.serve) == (
        "photos", "", "us-east-1", "path", "presigned")
    assert location.object_url("v/ab/x.jpg") == ("http", "127.0.0.1:9000", "/photos/v/ab/x.jpg")


def test_aws_defaults_to_virtual_hosts_and_public_endpoint_is_separate():
    location = parse_s3_url("s3://family-photos/ps?region=eu-west-1&serve=redirect&public_endpoint=https://media.example.com")
    assert location.endpoint.host == "s3.eu-west-1.amazonaws.com" and location.addressing == "virtual"
    assert location.object_name("v/a") == "ps/v/a"
    assert location.object_url("v/a") == ("https", "family-photos.media.example.com", "/ps/v/a")
    assert location.object_url("v/a", public=False) == ("https", "family-photos.s3.eu-west-1.amazonaws.com", "/ps/v/a")


@pytest.mark.parametrize("url", [
    "s3://?endpoint=http://x:1",
    "s3://UPPER?endpoint=http://x:1",
    "s3://ok-bucket?endpoint=ftp://x",
    "s3://ok-bucket?endpoint=http://x:1&serve=teleport",
    "s3://ok-bucket?endpoint=http://x:1&addressing=sideways",
    "s3://ok-bucket?endpoint=http://x:1&colour=blue",
    "s3://dotted.bucket?endpoint=https://x&addressing=virtual",
    "file:///tmp/x",
])
def test_bad_urls_are_refused_with_a_reason(url):
    with pytest.raises(S3URLError):
        parse_s3_url(url)


def test_presign_matches_the_minio_client_for_host_only_urls():
    from minio import Minio

    when = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.timezone.utc)
    client = Minio("127.0.0.1:9000", access_key="AKID", secret_key="SECRET", secure=False, region="us-east-1")
    theirs = client.presigned_get_object("photos", "v/ab/x y.jpg", expires=dt.timedelta(seconds=900), request_date=when)
    ours = sigv4.presign(method="GET", scheme="http", host="127.0.0.1:9000", path="/photos/v/ab/x%20y.jpg", region="us-east-1",
                         access_key="AKID", secret_key="SECRET", signed_at=when, expires_seconds=900)
    assert theirs.split("X-Amz-Signature=")[1] == ours.split("X-Amz-Signature=")[1]


def test_presign_refuses_lifetimes_sigv4_cannot_express():
    with pytest.raises(ValueError):
        sigv4.presign(method="GET", scheme="http", host="h", path="/b/k", region="us-east-1", access_key="a", secret_key="s",
                      signed_at=dt.datetime.now(dt.timezone.utc), expires_seconds=8 * 24 * 3600)
