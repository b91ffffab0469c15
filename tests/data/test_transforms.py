"""Batch transforms: exact outputs on small known inputs, both layouts, named errors."""

import numpy as np
import pytest

import hubel as hb
from hubel.data.transforms import (
    Compose,
    Flatten,
    Normalize,
    RandomCrop,
    RandomHorizontalFlip,
    ToCHW,
    ToFloat,
    ToHWC,
)


class ScriptedRng:
    """Stands in for a Generator: returns the given draws in order, recording each request."""

    def __init__(self, *draws):
        self.draws = [np.asarray(draw) for draw in draws]
        self.requests = []

    def integers(self, low, high, size):
        self.requests.append(("integers", low, high, size))
        return self.draws.pop(0)

    def random(self, size):
        self.requests.append(("random", size))
        return self.draws.pop(0)


def _two_images() -> np.ndarray:
    """Two 1-channel 3x3 images: 1..9 and 11..19, NCHW uint8."""
    first = np.arange(1, 10, dtype=np.uint8).reshape(1, 3, 3)
    return np.stack([first, first + 10])


def test_to_float_scales_uint8_to_unit_interval_in_float32():
    out = ToFloat()(np.array([[0, 51, 255]], dtype=np.uint8))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.array([[0.0, 0.2, 1.0]], dtype=np.float32))
    np.testing.assert_array_equal(ToFloat(16)(np.array([4, 16], dtype=np.uint8)), [0.25, 1.0])


def test_to_float_refuses_float_input():
    with pytest.raises(TypeError, match="expected integer pixels .*got dtype float32"):
        ToFloat()(np.zeros((1, 3), dtype=np.float32))


def test_normalize_nchw_per_channel_values_stay_float32():
    images = np.array([[[[1.0, 3.0]], [[10.0, 20.0]]]], dtype=np.float32)  # (1, 2, 1, 2)
    out = Normalize(mean=[1.0, 10.0], std=[2.0, 5.0])(images)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[[[0.0, 1.0]], [[0.0, 2.0]]]])


def test_normalize_nhwc_uses_last_axis():
    images = np.array([[[[1.0, 10.0], [3.0, 20.0]]]], dtype=np.float32)  # (1, 1, 2, 2)
    out = Normalize(mean=(1.0, 10.0), std=(2.0, 5.0), layout="NHWC")(images)
    np.testing.assert_array_equal(out, [[[[0.0, 0.0], [1.0, 2.0]]]])


def test_normalize_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"std: expected one value per channel .*\(3\), got 2"):
        Normalize(mean=[0.5, 0.5, 0.5], std=[0.2, 0.2])
    with pytest.raises(ValueError, match=r"std: expected positive values, got \[0.0\]"):
        Normalize(mean=[0.5], std=[0.0])
    with pytest.raises(ValueError, match=r"expected 3 channels on axis 1, got .*\(2, 1, 4, 4\)"):
        Normalize(mean=[0.5] * 3, std=[0.2] * 3)(np.zeros((2, 1, 4, 4), dtype=np.float32))
    with pytest.raises(TypeError, match="put ToFloat"):
        Normalize(mean=[0.5], std=[0.2])(np.zeros((2, 1, 4, 4), dtype=np.uint8))
    with pytest.raises(ValueError, match="layout: expected 'NCHW' or 'NHWC', got 'CHW'"):
        Normalize(mean=[0.5], std=[0.2], layout="CHW")


def test_random_crop_cuts_padded_windows_at_the_drawn_offsets():
    rng = ScriptedRng([0, 2], [1, 0])  # tops, then lefts
    out = RandomCrop(3, padding=1)(_two_images(), rng)
    assert rng.requests == [("integers", 0, 3, 2), ("integers", 0, 3, 2)]
    expected = np.array(
        [
            [[[0, 0, 0], [1, 2, 3], [4, 5, 6]]],  # top 0, left 1
            [[[0, 14, 15], [0, 17, 18], [0, 0, 0]]],  # top 2, left 0
        ],
        dtype=np.uint8,
    )
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == np.uint8


def test_random_crop_matches_a_per_image_loop_and_leaves_input_alone():
    images = np.random.default_rng(1).integers(0, 256, size=(6, 3, 8, 8), dtype=np.uint8)
    before = images.copy()
    out = RandomCrop((5, 6), padding=2)(images, np.random.default_rng(7))
    offsets = np.random.default_rng(7)
    tops, lefts = offsets.integers(0, 8, size=6), offsets.integers(0, 7, size=6)
    padded = np.pad(images, ((0, 0), (0, 0), (2, 2), (2, 2)))
    for n in range(6):
        np.testing.assert_array_equal(
            out[n], padded[n, :, tops[n] : tops[n] + 5, lefts[n] : lefts[n] + 6]
        )
    np.testing.assert_array_equal(images, before)


def test_random_crop_nhwc_agrees_with_nchw():
    images = np.random.default_rng(2).integers(0, 256, size=(5, 3, 6, 6), dtype=np.uint8)
    nchw = RandomCrop(4, padding=1)(images, np.random.default_rng(3))
    nhwc = RandomCrop(4, padding=1, layout="NHWC")(ToHWC()(images), np.random.default_rng(3))
    np.testing.assert_array_equal(nhwc, ToHWC()(nchw))


def test_random_crop_errors():
    with pytest.raises(ValueError, match=r"expected a batch of images of shape \(N, C, H, W\)"):
        RandomCrop(2)(np.zeros((3, 4, 4), dtype=np.uint8), np.random.default_rng(0))
    with pytest.raises(ValueError, match="crop larger than the padded image"):
        RandomCrop(8, padding=1)(np.zeros((1, 1, 4, 4), dtype=np.uint8), np.random.default_rng(0))
    with pytest.raises(ValueError, match="padding: expected a non-negative int, got -1"):
        RandomCrop(2, padding=-1)
    with pytest.raises(ValueError, match=r"size: expected positive sizes, got \(0, 2\)"):
        RandomCrop((0, 2))
    with pytest.raises(TypeError, match="size: expected an int or a pair of ints, got 3.0"):
        RandomCrop(3.0)


def test_random_crop_without_rng_follows_hubel_manual_seed():
    images = np.random.default_rng(4).integers(0, 256, size=(8, 1, 6, 6), dtype=np.uint8)
    hb.manual_seed(11)
    first = RandomCrop(6, padding=3)(images)
    hb.manual_seed(11)
    np.testing.assert_array_equal(RandomCrop(6, padding=3)(images), first)


def test_horizontal_flip_mirrors_exactly_the_drawn_images():
    images = _two_images()
    out = RandomHorizontalFlip(p=0.5)(images, ScriptedRng([0.1, 0.9]))
    np.testing.assert_array_equal(out[0, 0], [[3, 2, 1], [6, 5, 4], [9, 8, 7]])
    np.testing.assert_array_equal(out[1], images[1])
    np.testing.assert_array_equal(images, _two_images())


def test_horizontal_flip_nhwc_mirrors_width_not_channels():
    images = ToHWC()(np.random.default_rng(5).integers(0, 256, (2, 3, 4, 5), dtype=np.uint8))
    out = RandomHorizontalFlip(p=1.0, layout="NHWC")(images, np.random.default_rng(0))
    np.testing.assert_array_equal(out, images[:, :, ::-1, :])


def test_horizontal_flip_probability_bounds():
    images = _two_images()
    never = RandomHorizontalFlip(p=0.0)(images, np.random.default_rng(0))
    np.testing.assert_array_equal(never, images)
    with pytest.raises(ValueError, match=r"p: expected a probability in \[0, 1\], got 1.5"):
        RandomHorizontalFlip(p=1.5)


def test_compose_threads_one_generator_through_every_step():
    images = np.random.default_rng(6).integers(0, 256, size=(4, 3, 8, 8), dtype=np.uint8)
    steps = [RandomCrop(8, padding=2), RandomHorizontalFlip(), ToFloat(), lambda x: x * 2]
    composed = Compose(steps)(images, np.random.default_rng(9))
    rng = np.random.default_rng(9)
    manual = RandomHorizontalFlip()(RandomCrop(8, padding=2)(images, rng), rng)
    np.testing.assert_array_equal(composed, ToFloat()(manual) * 2)
    with pytest.raises(TypeError, match=r"transforms\[1\]: expected a callable, got int"):
        Compose([ToFloat(), 3])


def test_flatten_and_layout_conversions():
    images = np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5)
    assert Flatten()(images).shape == (2, 60)
    np.testing.assert_array_equal(Flatten()(images)[1], images[1].ravel())
    nhwc = ToHWC()(images)
    assert nhwc.shape == (2, 4, 5, 3) and nhwc.flags.c_contiguous
    assert nhwc[1, 2, 3, 0] == images[1, 0, 2, 3]
    np.testing.assert_array_equal(ToCHW()(nhwc), images)
