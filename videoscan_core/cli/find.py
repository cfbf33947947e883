"""``videoscan find VIDEO "phrase" [--json]``: where a phrase was on the screen of a recording.

Contract: checks the phrase (``retrieve.check_query``: not empty, not huge) and the video before
any work, reads the video's text at ``--fps`` (changed regions only, ``screen_text.offline``), then
prints one line per hit, ``m:ss-m:ss  text`` (first and last seen), best match first; with
``--json`` one object ``{"hits": [{"text", "first_seen", "last_seen"}], "frames", "frames_read"}``.
No hit is not an error (exit 0, "no hits"); OCR that cannot run is one line and exit 1.
"""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import VideoScanError


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "find", help="search the text shown in a screen recording (OCR, offline)"
    )
    parser.add_argument("video", help="video file (a screen recording)")
    parser.add_argument("phrase", help="words to look for (case, accents and word forms ignored)")
    parser.add_argument("--fps", type=float, default=1.0, help="frames read per second (1)")
    parser.add_argument("--limit", type=int, default=20, help="hits shown at most (20)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(handler=find)


def find(args: argparse.Namespace) -> int:
    from ..limits import check_numbers
    from ..screen_text.offline import TextPass
    from ..screen_text.prompt import clock
    from ..screen_text.retrieve import MAX_HITS, check_query, search
    from ..video import ReadOutcome, probe_video, sample_frames
    from .progress import frame_progress

    phrase = check_query(args.phrase)
    check_numbers(1, args.fps)
    if not 1 <= args.limit <= MAX_HITS:
        raise VideoScanError(f"--limit must be between 1 and {MAX_HITS} (got {args.limit})")
    info = probe_video(args.video)
    text = TextPass(source=args.video)
    text.engine.load()
    progress = frame_progress(info.expected_samples(args.fps), not args.no_progress, "reading")
    outcome = ReadOutcome()
    try:
        for _ in text.tap(sample_frames(args.video, args.fps, outcome)):
            if text.error:
                raise VideoScanError(text.error)
            if progress is not None:
                progress.update(1)
    finally:
        if progress is not None:
            progress.close()
    if outcome.stopped_early:
        print(f"videoscan: warning: {outcome.stopped_early}", file=sys.stderr)
    hits = search(text.memory, phrase, limit=args.limit)
    if args.json:
        stats = text.stats()
        rows = [{key: hit.as_dict()[key] for key in ("text", "first_seen", "last_seen")}
                for hit in hits]  # fmt: skip
        print(json.dumps({"hits": rows, "frames": stats["frames"],
                          "frames_read": stats["frames_read"]}))  # fmt: skip
        return 0
    if not hits:
        print(f"no hits for {phrase!r}")
    for hit in hits:
        print(f"{clock(hit.first_seen)}-{clock(hit.last_seen)}  {hit.text}")
    return 0
