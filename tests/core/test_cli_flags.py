"""Every flag of ``videoscan run`` reaches the engine: asserted on what the model loader, the
EngineConfig, the GenerationOptions, the frame sampler, the batcher and the transcriber receive
(spies around the real code, on the tiny model). A flag dropped on the way fails here."""

from __future__ import annotations

import json

import pytest

from videoscan_core.cli.main import build_parser, main

# every option of `videoscan run`; a new flag must be added to a run below and checked
COVERED = {
    "video", "--model", "--question", "--question-audio", "--speech-model", "--language",
    "--memory", "--fps", "--position-mode", "--keep-topk", "--recent-frames", "--full-tokens",
    "--device", "--dtype", "--quantize", "--vision-batch", "--max-new-tokens", "--temperature",
    "--json", "--no-progress", "--vision-runtime", "--no-screen-text", "--frame-tokens",
    "--answer-runtime", "--closer-look",
}  # fmt: skip


def run_options() -> set[str]:
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command")
    run = commands.choices["run"]
    names = set()
    for action in run._actions:
        if action.dest == "help":
            continue
        names.add(action.option_strings[0] if action.option_strings else action.dest)
    return names


def test_every_run_flag_is_covered():
    assert run_options() == COVERED


@pytest.fixture
def spies(monkeypatch):
    import videoscan_core.adapters as adapters
    import videoscan_core.stream.frame_batches as frame_batches
    import videoscan_core.video as video
    import videoscan_core.voice.transcribe as speech
    from videoscan_core.stream.engine import StreamingEngine

    seen: dict = {"asks": []}
    real_load, real_init, real_ask = (
        adapters.load_model,
        StreamingEngine.__init__,
        StreamingEngine.ask,
    )
    real_stream, real_sample = frame_batches.stream_frames, video.sample_frames

    def load_model(source, device=None, dtype=None, **kwargs):
        seen["load"] = {"source": str(source), "device": device, "dtype": dtype, **kwargs}
        return real_load(source, device, dtype, **kwargs)

    def init(self, model, config, *args, **kwargs):
        seen["config"] = config
        real_init(self, model, config, *args, **kwargs)

    def ask(self, question, options=None, *args, **kwargs):
        seen["asks"].append((question, options))
        seen.setdefault("screen_text", []).append(kwargs.get("screen_text"))
        return real_ask(self, question, options, *args, **kwargs)

    def stream_frames(engine, samples, batch=4, *args, **kwargs):
        seen["batch"] = batch
        return real_stream(engine, samples, batch, *args, **kwargs)

    def sample_frames(path, fps=1.0, *args, **kwargs):
        seen["sample"] = (str(path), fps)
        return real_sample(path, fps, *args, **kwargs)

    class Transcriber:
        def __init__(self, options):
            seen["speech"] = options

        def transcribe(self, audio):
            seen.setdefault("audio", []).append(str(audio))
            return "what was spoken"

    monkeypatch.setattr(adapters, "load_model", load_model)
    monkeypatch.setattr(StreamingEngine, "__init__", init)
    monkeypatch.setattr(StreamingEngine, "ask", ask)
    monkeypatch.setattr(frame_batches, "stream_frames", stream_frames)
    monkeypatch.setattr(video, "sample_frames", sample_frames)
    monkeypatch.setattr(speech, "Transcriber", Transcriber)
    return seen


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    from tests.app_fixtures import write_video

    return write_video(tmp_path_factory.mktemp("clip") / "clip.mp4", 10)


def test_defaults_reach_the_engine(spies, clip, tiny_model_dir, capsys):
    assert main(["run", str(clip), "--model", str(tiny_model_dir), "--question", "Q?"]) == 0
    out = capsys.readouterr()
    assert spies["load"] == {
        "source": str(tiny_model_dir), "device": None, "dtype": None, "quantize": "none",
        "frame_tokens": 768,
    }  # fmt: skip
    config = spies["config"]
    # the training-free preset's top-k: a quarter of the tiny model's 9 tokens per frame
    assert (config.memory_size, config.keep_topk, config.carrier) == (64, 2, True)
    assert config.vision_runtime == "auto" and config.answer_runtime == "auto"
    assert not config.closer_look
    assert spies["sample"] == (str(clip), 1.0) and spies["batch"] == 4
    ((question, options),) = spies["asks"]
    assert question == "Q?" and (options.max_new_tokens, options.temperature) == (128, 0.0)
    assert spies["screen_text"] == [[]]  # screen text on: read (the clip has none), then asked
    assert "Q: Q?" in out.out and "streaming" in out.err  # plain output, a progress bar


def test_every_flag_reaches_the_engine(spies, clip, tiny_model_dir, capsys, tmp_path):
    audio = tmp_path / "q.wav"
    audio.write_bytes(b"RIFF")  # only its existence is checked before the (fake) transcriber
    code = main([
        "run", str(clip), "--model", str(tiny_model_dir), "--question", "First?",
        "--question", "Second?", "--question-audio", str(audio), "--speech-model", "base",
        "--language", "de", "--memory", "5", "--fps", "2.5", "--position-mode", "monotonic",
        "--keep-topk", "2", "--recent-frames", "1", "--device", "cpu", "--dtype", "float32",
        "--quantize", "int8", "--vision-batch", "3", "--max-new-tokens", "3",
        "--temperature", "0.5", "--json", "--no-progress", "--vision-runtime", "torch",
        "--no-screen-text", "--frame-tokens", "0", "--answer-runtime", "int8", "--closer-look",
    ])  # fmt: skip
    out = capsys.readouterr()
    assert code == 0, out.err
    assert spies["load"] == {
        "source": str(tiny_model_dir), "device": "cpu", "dtype": "float32", "quantize": "int8",
        "frame_tokens": 0,
    }  # fmt: skip
    config = spies["config"]
    assert config.memory_size == 5 and config.position_mode == "monotonic"
    assert (config.keep_topk, config.recent_frames, config.carrier) == (2, 1, True)
    assert (config.device, config.dtype) == ("cpu", "float32") and config.closer_look
    assert config.vision_runtime == "torch" and config.answer_runtime == "int8"
    assert json.loads(out.out)["answer_runtime"] == "torch-int8"
    assert spies["sample"] == (str(clip), 2.5) and spies["batch"] == 3
    assert [q for q, _ in spies["asks"]] == ["First?", "Second?", "what was spoken"]
    assert all((o.max_new_tokens, o.temperature) == (3, 0.5) for _, o in spies["asks"])
    assert spies["audio"] == [str(audio)]
    assert (spies["speech"].model, spies["speech"].language) == ("base", "de")
    assert spies["speech"].device == "cpu"
    report = json.loads(out.out)  # --json: one object
    assert report["memory_size"] == 5 and len(report["answers"]) == 3
    assert "screen_text" not in report and spies["screen_text"] == [()] * 3  # --no-screen-text
    assert "streaming" not in out.err  # --no-progress


def test_full_tokens_reaches_the_engine(spies, clip, tiny_model_dir, capsys):
    code = main(["run", str(clip), "--model", str(tiny_model_dir), "--question", "Q?",
                 "--full-tokens", "--position-mode", "compact", "--max-new-tokens", "2",
                 "--no-progress"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    config = spies["config"]
    assert config.carrier is False and config.position_mode == "compact"
    assert spies["asks"][0][1].max_new_tokens == 2


def test_model_flags_say_the_same_in_every_subcommand():
    commands = next(a for a in build_parser()._actions if a.dest == "command")
    flags = ("--model", "--device", "--dtype", "--quantize", "--vision-runtime", "--frame-tokens")
    seen: dict[str, set] = {}
    where: dict[str, set] = {}
    for name in ("run", "serve", "watch", "mcp", "eval"):
        for action in commands.choices[name]._actions:
            flag = action.option_strings[0] if action.option_strings else ""
            if flag in flags:
                seen.setdefault(flag, set()).add((action.help, action.default, str(action.choices)))
                where.setdefault(flag, set()).add(name)
    assert set(seen) == set(flags)
    assert all(len(forms) == 1 for forms in seen.values()), seen
    assert "mps" in next(iter(seen["--device"]))[0]
    # the per-frame visual token budget: every command that streams frames through a model
    assert where["--frame-tokens"] == {"run", "serve", "watch", "mcp"}
