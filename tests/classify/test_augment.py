import torch

from sportlens.classify.augment import IMAGENET_MEAN, IMAGENET_STD, AugmentConfig, eval_view, train_view

IDENTITY = AugmentConfig(scale=(1.0, 1.0), ratio=(1.0, 1.0), rotate_deg=0.0, flip=False, brightness=0.0,
                         contrast=0.0, saturation=0.0, grayscale_p=0.0)


def random_pixels(n=4, side=24, seed=0):
    return torch.randint(0, 256, (n, 3, side, side), generator=torch.Generator().manual_seed(seed), dtype=torch.uint8)


def test_eval_view_normalises_with_imagenet_statistics():
    white = torch.full((1, 3, 8, 8), 255, dtype=torch.uint8)
    x = eval_view(white, 8)
    for c in range(3):
        assert torch.allclose(x[0, c], torch.full((8, 8), (1 - IMAGENET_MEAN[c]) / IMAGENET_STD[c]))
    assert eval_view(random_pixels(), 16).shape == (4, 3, 16, 16)


def test_identity_augmentation_returns_the_image():
    pixels = random_pixels()
    x = train_view(pixels, 24, torch.Generator().manual_seed(1), IDENTITY)
    assert torch.allclose(x, eval_view(pixels, 24), atol=1e-5)


def test_flip_gives_the_mirror_image_or_the_image():
    pixels = random_pixels(n=16)
    config = AugmentConfig(**{**IDENTITY.__dict__, "flip": True})
    x = train_view(pixels, 24, torch.Generator().manual_seed(2), config)
    plain, mirrored = eval_view(pixels, 24), eval_view(pixels.flip(-1), 24)
    is_plain = [torch.allclose(x[i], plain[i], atol=1e-5) for i in range(16)]
    is_mirror = [torch.allclose(x[i], mirrored[i], atol=1e-5) for i in range(16)]
    assert all(a != b for a, b in zip(is_plain, is_mirror, strict=True))
    assert 0 < sum(is_mirror) < 16


def test_train_view_is_seeded_and_random():
    pixels = random_pixels()
    a = train_view(pixels, 20, torch.Generator().manual_seed(5), AugmentConfig())
    b = train_view(pixels, 20, torch.Generator().manual_seed(5), AugmentConfig())
    c = train_view(pixels, 20, torch.Generator().manual_seed(6), AugmentConfig())
    assert a.shape == (4, 3, 20, 20)
    assert torch.equal(a, b) and not torch.equal(a, c)
