"""Alert quality: precision/recall of alert times within one frame on held-out synthetic videos.

See ``videoscan_core.eval.alert_quality`` for the conditions and the matching rule.

    python -m benchmarks.alert_quality [--model videoscan-demo] [--videos 100] [--every 1] [--json]
"""

from __future__ import annotations

import argparse
import json

from videoscan_core.eval.alert_quality import evaluate_alerts, table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="videoscan-demo", help="model (videoscan-demo)")
    parser.add_argument("--videos", type=int, default=100, help="test videos (100)")
    parser.add_argument("--start", type=int, default=0, help="first test seed offset (0)")
    parser.add_argument("--memory", type=int, default=16, help="carriers kept, M (16)")
    parser.add_argument("--every", type=int, default=1, help="score every K frames (1)")
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0 = default)")
    args = parser.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    from videoscan_core.adapters import load_model

    model = load_model(args.model)
    quality = evaluate_alerts(model, args.videos, args.start, args.memory, args.every).to_json()
    quality["model"] = args.model
    print(table(quality))
    if args.json:
        print(json.dumps(quality))


if __name__ == "__main__":
    main()
