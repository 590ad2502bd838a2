"""A JPEG whose image data was cut short is refused, also when the cut was closed with an end marker
(Pillow decodes that without a word); a whole photo whose corner happens to be mid-grey is not."""
import io

import pytest
from PIL import Image, ImageDraw

from supervise.evidence import PhotoRejected, read_photo
from tests.photos import make_jpeg


@pytest.mark.parametrize("kept", [0.2, 0.5, 0.8, 0.95, 0.99, 0.999])
@pytest.mark.parametrize("ending", [b"\xff\xd9", b"", b"\x00" * 64 + b"\xff\xd9"], ids=["end marker", "bare", "zeros"])
def test_a_jpeg_cut_short_is_refused_as_truncated_however_it_ends(kept, ending):
    photo = make_jpeg(seed=5, size=(1024, 768))
    with pytest.raises(PhotoRejected) as refused:
        read_photo(photo[: int(len(photo) * kept)] + ending)
    assert refused.value.code == "PHOTO_TRUNCATED"


def test_a_whole_photo_whose_bottom_is_exactly_mid_grey_is_accepted():
    picture = Image.new("RGB", (640, 480), (200, 40, 40))
    ImageDraw.Draw(picture).rectangle((0, 400, 640, 480), fill=(128, 128, 128))
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=95)
    assert read_photo(out.getvalue()).width == 640


@pytest.mark.parametrize("seed", range(8))
def test_whole_photos_are_accepted(seed):
    assert read_photo(make_jpeg(seed=seed, size=(800, 600))).height == 600
