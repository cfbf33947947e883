"""A small line-chart writer with Pillow (no plotting library needed): log-x axis, legend."""

from __future__ import annotations

import math

from PIL import Image, ImageDraw

COLORS = [(31, 119, 180), (214, 39, 40), (44, 160, 44), (255, 127, 14), (148, 103, 189)]


def line_chart(
    path,
    series: dict[str, list[tuple[float, float]]],
    title: str,
    x_label: str,
    y_label: str,
    size=(900, 560),
) -> None:
    width, height = size
    left, right, top, bottom = 80, 200, 50, 60
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    points = [p for values in series.values() for p in values if p[1] == p[1]]
    xs = [math.log2(max(x, 1e-9)) for x, _ in points]
    ys = [y for _, y in points]
    x_low, x_high = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
    y_high = max(ys) * 1.08 if ys else 1.0

    def to_pixel(x: float, y: float) -> tuple[float, float]:
        px = left + (math.log2(x) - x_low) / (x_high - x_low) * (width - left - right)
        py = height - bottom - y / y_high * (height - top - bottom)
        return px, py

    draw.rectangle([left, top, width - right, height - bottom], outline=(0, 0, 0))
    draw.text((left, 15), title, fill=(0, 0, 0))
    draw.text(((width - right + left) / 2 - 40, height - 30), x_label, fill=(0, 0, 0))
    draw.text((10, top - 20), y_label, fill=(0, 0, 0))
    for x in sorted({x for x, _ in points}):
        px, _ = to_pixel(x, 0)
        draw.line([px, height - bottom, px, height - bottom + 5], fill=(0, 0, 0))
        draw.text((px - 10, height - bottom + 8), f"{x:g}", fill=(0, 0, 0))
    for i in range(5):
        value = y_high * i / 4
        _, py = to_pixel(2**x_low, value)
        draw.line([left - 5, py, left, py], fill=(0, 0, 0))
        draw.text((10, py - 6), f"{value:.3g}", fill=(0, 0, 0))
    for index, (name, values) in enumerate(series.items()):
        color = COLORS[index % len(COLORS)]
        pixels = [to_pixel(x, y) for x, y in values if y == y]
        if len(pixels) > 1:
            draw.line(pixels, fill=color, width=3)
        for px, py in pixels:
            draw.ellipse([px - 3, py - 3, px + 3, py + 3], fill=color)
        draw.line(
            [width - right + 15, top + 20 * index + 8, width - right + 40, top + 20 * index + 8],
            fill=color,
            width=3,
        )
        draw.text((width - right + 45, top + 20 * index), name, fill=(0, 0, 0))
    image.save(path)
