"""What a static frame costs: change detection + folding versus a processed frame.

A frame identical to the last one is caught by the change detector (a 64x36 grey thumbnail
difference) and folded into the newest carrier instead of being encoded. This times that whole
path (detector, slot hand-off, ``fold_static_frame``) against a full ``add_frame`` on the same
engine and reports the ratio (target: at most 2%).

    python -m benchmarks.static_screen [--geometry tiny|small|ov-0.5b] [--quick] [--json]
"""

from __future__ import annotations

import numpy as np

from videoscan_core.capture.change_detector import ChangeDetector
from videoscan_core.capture.frame_slot import LatestFrameSlot
from videoscan_core.config import EngineConfig
from videoscan_core.stream.engine import StreamingEngine

from . import common, geometries


def main() -> None:
    args = common.parser(__doc__.splitlines()[0]).parse_args()
    common.setup_threads(args.threads)
    model = geometries.build(args.geometry)
    engine = StreamingEngine(model, EngineConfig(memory_size=64))
    screen = np.random.default_rng(0).integers(0, 256, (720, 1280, 3), dtype=np.uint8)
    common.fill_history(engine, 64)
    detector, slot = ChangeDetector(threshold=0.01), LatestFrameSlot()
    detector.is_static(screen)
    clock = [64.0]
    repeats = 3 if args.quick or args.geometry == "ov-0.5b" else 10

    def processed() -> None:
        clock[0] += 1
        engine.add_frame(screen, clock[0])

    def skipped() -> None:
        clock[0] += 1
        assert detector.is_static(screen)
        slot.put_static(clock[0])
        fold, _ = slot.take()
        engine.fold_static_frame(fold)

    processed_ms = common.median(common.timed(processed, repeats))
    skipped_ms = common.median(common.timed(skipped, repeats * 10))
    result = {
        "benchmark": "static_screen",
        "geometry": args.geometry,
        "processed_frame_ms": round(processed_ms, 3),
        "skipped_frame_ms": round(skipped_ms, 3),
        "skipped_over_processed": round(skipped_ms / processed_ms, 5),
    }
    table = (
        f"processed frame: {processed_ms:.2f} ms; static frame (detect + fold): "
        f"{skipped_ms:.3f} ms; ratio {100 * result['skipped_over_processed']:.2f}%"
    )
    common.emit(result, args.json, table)


if __name__ == "__main__":
    main()
