"""Photo reuse is caught by hashes; reviewers see a display copy without EXIF."""

from __future__ import annotations

import io
import itertools

from PIL import Image

from supervise.evidence import display_copy, hamming, read_exif, read_photo
from tests.photos import make_heic, make_jpeg, reencoded

REUSE_DISTANCE = 6


def test_hamming_counts_differing_bits() -> None:
    assert hamming(0b1011, 0b0001) == 2
    assert hamming(2**64 - 1, 0) == 64


def test_the_same_bytes_have_the_same_sha256_and_other_bytes_do_not() -> None:
    photo = make_jpeg(seed=1)
    assert read_photo(photo).sha256 == read_photo(bytes(photo)).sha256
    assert read_photo(photo).sha256 != read_photo(make_jpeg(seed=2)).sha256


def test_a_reencoded_or_resized_copy_is_within_reuse_distance_of_the_original() -> None:
    for seed in range(5):
        original = make_jpeg(seed=seed, size=(1200, 900))
        for copy in (reencoded(original, quality=50), reencoded(original, quality=75, scale=0.5)):
            assert hamming(read_photo(original).phash, read_photo(copy).phash) <= REUSE_DISTANCE


def test_different_photos_are_far_apart() -> None:
    hashes = [read_photo(make_jpeg(seed=seed)).phash for seed in range(8)]
    assert min(hamming(a, b) for a, b in itertools.combinations(hashes, 2)) > 2 * REUSE_DISTANCE


def test_a_heic_and_its_jpeg_export_are_within_reuse_distance() -> None:
    heic = make_heic(seed=4, size=(640, 480))
    assert hamming(read_photo(heic).phash, read_photo(reencoded(heic, quality=80)).phash) <= REUSE_DISTANCE


def test_the_display_copy_is_a_small_jpeg_without_exif_gps_or_xmp() -> None:
    photo = make_jpeg(45.7612, 126.6167, size=(4000, 3000))
    copy = display_copy(photo)
    with Image.open(io.BytesIO(copy)) as image:
        assert image.format == "JPEG"
        assert max(image.size) == 1600
        assert not image.getexif()
    assert read_exif(copy).gps is None
    assert b"Exif\x00\x00" not in copy and b"http://ns.adobe.com/xap" not in copy


def test_the_display_copy_of_a_heic_is_a_jpeg() -> None:
    with Image.open(io.BytesIO(display_copy(make_heic(45.7612, 126.6167)))) as image:
        assert image.format == "JPEG"
