#!/usr/bin/env bash
# Smoke test of the built bundle: start it offscreen with the demo model on a demo video, ask a
# question, and check the report. Exits non-zero on any failure. Run after `make package`:
#   packaging/smoke.sh [path/to/VideoScan]
set -euo pipefail
cd "$(dirname "$0")/.."
BINARY=${1:-dist/VideoScan/VideoScan}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
[ -x "$BINARY" ] || { echo "smoke: no binary at $BINARY (run make package)" >&2; exit 1; }
QUESTION="How many shapes appeared in the video? Options: (A) 1 (B) 2 (C) 3 (D) 4. Answer with the option's letter."
# a failed run ends by itself (--script-timeout) with the reason in the report's "error" field
if ! QT_QPA_PLATFORM=offscreen HF_HUB_OFFLINE=1 XDG_CACHE_HOME="$WORK/cache" XDG_STATE_HOME="$WORK" \
  timeout 600 "$BINARY" --source demo:3 --model videoscan-demo --ask "$QUESTION" \
  --ask-after-frames 4 --exit-after-answer --report-json "$WORK/report.json" \
  --screenshot "$WORK/window.png" --playback-speed 4 --settings-file "$WORK/settings.ini" \
  --script-timeout 540; then
  python3 -c 'import json, sys; print("smoke: FAILED:", json.load(open(sys.argv[1])).get("error"))' \
    "$WORK/report.json" 2>/dev/null || echo "smoke: FAILED: the app exited without a report" >&2
  exit 1
fi
python3 - "$WORK/report.json" "$WORK/window.png" <<'PY'
import json, os, sys
report = json.load(open(sys.argv[1]))
problems = []
if report["frames_processed"] < 4:
    problems.append(f"only {report['frames_processed']} frames processed")
if len(report["answers"]) != 1 or not report["answers"][0]["answer"].strip():
    problems.append(f"no answer: {report['answers']}")
if report["errors"]:
    problems.append(f"errors: {report['errors']}")
if os.path.getsize(sys.argv[2]) < 10_000:
    problems.append("the screenshot is empty")
if problems:
    sys.exit("smoke: FAILED: " + "; ".join(problems))
answer = report["answers"][0]
print(f"smoke: OK: {report['frames_processed']} frames, answer {answer['answer']!r} "
      f"(first token {answer['ttft_ms']} ms), peak RSS {report['peak_rss_mb']} MB")
PY
