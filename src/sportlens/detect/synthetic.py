"""A generated COCO detection folder with known boxes: a tall red 'athlete' and a wide blue 'board' per
image on a noisy background (the book's surfer + board case, in coloured rectangles)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

CLASSES = (("athlete", (220, 40, 40), (0.15, 0.45)), ("board", (40, 80, 230), (0.45, 0.12)))


def write_rectangles_coco(folder: str | Path, n_images: int = 16, size: int = 128, seed: int = 0) -> Path:
    """Write n_images PNGs and annotations.json (COCO) into folder; each image holds one athlete and one
    board at random places (the board under the athlete's feet when it fits). Returns the folder."""
    from PIL import Image

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    images, annotations = [], []
    for i in range(n_images):
        canvas = rng.integers(90, 150, size=(size, size, 3), dtype=np.uint8)
        for cat, (_, colour, (fw, fh)) in enumerate(CLASSES, start=1):
            w, h = int(fw * size * rng.uniform(0.8, 1.2)), int(fh * size * rng.uniform(0.8, 1.2))
            x, y = int(rng.integers(0, size - w)), int(rng.integers(0, size - h))
            canvas[y:y + h, x:x + w] = colour
            annotations.append({"id": len(annotations) + 1, "image_id": i + 1, "category_id": cat,
                                "bbox": [x, y, w, h], "area": w * h, "iscrowd": 0})
        name = f"img_{i:03d}.png"
        Image.fromarray(canvas).save(folder / name)
        images.append({"id": i + 1, "file_name": name, "width": size, "height": size})
    categories = [{"id": k, "name": name, "supercategory": "sport"} for k, (name, _, _) in enumerate(CLASSES, 1)]
    (folder / "annotations.json").write_text(json.dumps({"images": images, "annotations": annotations,
                                                         "categories": categories}), encoding="utf-8")
    return folder
