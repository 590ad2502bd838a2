"""Photo evidence in an S3-compatible object store (AWS S3, MinIO, Ceph RGW, OSS/COS S3 APIs).

Set STORAGE_URL to `s3://bucket/prefix`; S3_ENDPOINT_URL for a store other than AWS, S3_REGION;
credentials come the way boto3 finds them (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile, an
instance role), never from our config. Keys follow the directory layout under the prefix:
`<prefix>/photos/ab/cd/<sha256>.<ext>` and `<sha256>.display.jpg`.

The durability rules of the local store hold:
- written whole: an object PUT is atomic (a reader sees all of it or none), and it carries
  Content-MD5, so the store refuses a body damaged on the way;
- before the commit that names it: the PUT runs in a helper thread while the request does its
  database work, and `make_durable()` waits for it and for a HEAD that sees the object with its
  length and SHA-256; a failed PUT or check fails the request before its commit;
- only its creator removes it: the PUT is conditional (If-None-Match: *), so of two requests
  with the same photo exactly one creates the object; the other checks the existing one holds
  these bytes and leaves it alone on `discard()`. (A store without conditional writes lets both
  think they created it; AWS S3, MinIO and Ceph have them.)
"""
from __future__ import annotations

import base64
import functools
import hashlib
import threading
from dataclasses import dataclass
from typing import Any

from supervise.evidence import display_copy
from supervise.services.storage import EXTENSIONS, MEDIA_TYPES

CONDITION_FAILED = {"PreconditionFailed", "ConditionalRequestConflict", "412", "409"}
MISSING = {"NoSuchKey", "404", "NotFound"}


class StorageError(RuntimeError):
    """The object store did not keep an original as it must."""


def _code(error: Exception) -> str:
    return str(getattr(error, "response", {}).get("Error", {}).get("Code", ""))


@functools.lru_cache(maxsize=8)
def store_for(url: str, endpoint_url: str | None, region: str | None) -> S3PhotoStore:
    """The store for an s3:// URL, with one boto3 client (thread-safe) per process and settings."""
    import boto3
    from botocore.config import Config

    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    client = boto3.client("s3", endpoint_url=endpoint_url or None, region_name=region or None,
                          config=Config(retries={"max_attempts": 5, "mode": "standard"},
                                        max_pool_connections=32))
    return S3PhotoStore(client, bucket, prefix.strip("/"))


@dataclass(frozen=True)
class S3PhotoStore:
    """Originals and display copies as objects in one bucket under a prefix."""

    client: Any
    bucket: str
    prefix: str = ""

    def key(self, sha256: str, suffix: str) -> str:
        """The object key of a photo file (`suffix` is ".jpg", ".heic" or ".display.jpg")."""
        name = f"photos/{sha256[:2]}/{sha256[2:4]}/{sha256}{suffix}"
        return f"{self.prefix}/{name}" if self.prefix else name

    def original_key(self, sha256: str, fmt: str) -> str:
        """The key of the original with that SHA-256."""
        return self.key(sha256, f".{EXTENSIONS[fmt]}")

    def display_key(self, sha256: str) -> str:
        """The key of the display copy of that photo."""
        return self.key(sha256, ".display.jpg")

    def keep_original(self, sha256: str, fmt: str, data: bytes) -> PendingObject:
        """Start putting the original (conditional PUT with Content-MD5, in a helper thread)."""
        return PendingObject(self, self.original_key(sha256, fmt), sha256, MEDIA_TYPES[fmt], data)

    def read_original(self, sha256: str, fmt: str) -> bytes:
        """The original bytes; FileNotFoundError when there is no such object."""
        return self._get(self.original_key(sha256, fmt))

    def read_display(self, sha256: str, fmt: str) -> bytes:
        """The display copy, made from the original and stored on first request."""
        try:
            return self._get(self.display_key(sha256))
        except FileNotFoundError:
            pass
        data = display_copy(self.read_original(sha256, fmt))
        self.client.put_object(Bucket=self.bucket, Key=self.display_key(sha256), Body=data,
                               ContentType="image/jpeg", ContentMD5=_md5(data))
        return data

    def remove(self, sha256: str, fmt: str) -> None:
        """Delete the original and the display copy (deleting a missing key is no error in S3)."""
        for key in (self.original_key(sha256, fmt), self.display_key(sha256)):
            self.client.delete_object(Bucket=self.bucket, Key=key)

    def probe(self) -> None:
        """The bucket answers to these credentials (HEAD of the bucket)."""
        self.client.head_bucket(Bucket=self.bucket)

    def _get(self, key: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except Exception as error:
            if _code(error) in MISSING:
                raise FileNotFoundError(key) from None
            raise


class PendingObject:
    """An original on its way into the bucket; the same verbs as the local PendingOriginal."""

    def __init__(self, store: S3PhotoStore, key: str, sha256: str, media_type: str, data: bytes) -> None:
        self.store, self.key, self.sha256 = store, key, sha256
        self.created = False
        self._error: BaseException | None = None
        self._putting: threading.Thread | None = threading.Thread(
            target=self._put, args=(media_type, data), daemon=True, name="evidence-put")
        self._putting.start()

    def _put(self, media_type: str, data: bytes) -> None:
        try:
            try:
                self.store.client.put_object(Bucket=self.store.bucket, Key=self.key, Body=data,
                                             ContentType=media_type, ContentMD5=_md5(data), IfNoneMatch="*",
                                             Metadata={"sha256": self.sha256})
                self.created = True
            except Exception as error:
                if _code(error) not in CONDITION_FAILED:
                    raise
            self._verify(data)
        except BaseException as exc:  # noqa: BLE001 - handed to the request thread by make_durable
            self._error = exc

    def _verify(self, data: bytes) -> None:
        """The object is there with these bytes: by its length and SHA-256 (metadata we wrote, or
        the bytes themselves for an object put there by other means)."""
        head = self.store.client.head_object(Bucket=self.store.bucket, Key=self.key)
        if head["ContentLength"] == len(data) and head.get("Metadata", {}).get("sha256") == self.sha256:
            return
        if head["ContentLength"] == len(data) and self.store._get(self.key) == data:
            return
        raise StorageError(f"the object {self.key} in {self.store.bucket} does not hold the photo's bytes")

    def _wait(self) -> None:
        if self._putting is not None:
            self._putting.join()
            self._putting = None

    def make_durable(self) -> None:
        """Return once the object is in the bucket and checked (raises what went wrong)."""
        self._wait()
        if self._error is not None:
            raise self._error

    def discard(self) -> None:
        """Delete the object when this request created it."""
        self._wait()
        if self.created:
            self.store.client.delete_object(Bucket=self.store.bucket, Key=self.key)
            self.created = False


def _md5(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()   # the Content-MD5 header S3 checks
