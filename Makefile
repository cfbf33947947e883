# Developer shortcuts; the README's two commands (scripts/run.sh, scripts/test.sh) need no make.
.PHONY: run test package tarball smoke demo-model bench

run:
	scripts/run.sh

test:
	scripts/test.sh

package:
	packaging/build.sh

tarball: package
	packaging/linux/build_tarball.sh

smoke:
	packaging/smoke.sh

demo-model:
	scripts/train_demo_model.sh

bench:
	.venv/bin/python -m benchmarks.stream_cost --geometry small --json
