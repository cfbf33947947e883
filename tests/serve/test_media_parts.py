"""Chat messages and request options, part by part (``serve.media``, ``serve.protocol``): the
400 for each malformed part with its words and ``param``, the hints at their exact bounds and
which one wins, the history and system turns, the frames chosen from images, and each
generation option at its bounds. Pure functions: no server, no model."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from videoscan_core.limits import MAX_NEW_TOKENS, MAX_REQUEST_FRAMES
from videoscan_core.serve import media
from videoscan_core.serve.media import VideoInput, iter_samples, parse_messages
from videoscan_core.serve.protocol import APIError, ChatOptions
from videoscan_core.video import import_cv2, shrink_frame

B64 = base64.b64encode(b"not really a video").decode()
VIDEO = {"type": "video_url", "video_url": {"url": f"data:video/mp4;base64,{B64}"}}


def user(*parts, text: str = "What?") -> dict:
    return {"role": "user", "content": [*parts, {"type": "text", "text": text}]}


def refusal(messages, hints=None, allow_files=True) -> APIError:
    with pytest.raises(APIError) as error:
        parse_messages(messages, hints or {}, allow_files)
    assert error.value.status == 400 and error.value.type == "invalid_request_error"
    return error.value


@pytest.mark.parametrize(
    "messages,said",
    [
        (None, "messages must be a non-empty list"),
        ([], "messages must be a non-empty list"),
        ({"role": "user", "content": "hi"}, "messages must be a non-empty list"),
        (["hi"], "each message needs a role and content"),
        ([{"content": "hi"}], "each message needs a role and content"),
        ([{"role": "robot", "content": "hi"}], "each message needs a role and content"),
        ([{"role": "user", "content": 5}], "content must be a string or a list of parts"),
        ([{"role": "user", "content": {"text": "hi"}}], "content must be a string or a list"),
        ([{"role": "user", "content": ["hi"]}], "unsupported content part type None"),
        ([user({"type": "audio_url"})], "unsupported content part type 'audio_url'"),
        ([user({"type": "video_url", "video_url": 5})], "video_url must be an object with a url"),
        ([user({"type": "video_url", "video_url": {}})], "a video part needs a url"),
        ([user({"type": "video_url", "video_url": {"url": ""}})], "a video part needs a url"),
        ([user({"type": "video_url", "video_url": "data:video/mp4,abc"})],
         "data URLs must be base64 encoded"),
        ([user({"type": "video_url", "video_url": "data:video/mp4;base64,@@"})],
         "the base64 data cannot be decoded"),
        ([user({"type": "input_video", "input_video": {"data": 7}})],
         "base64 data must be a string"),
        ([user({"type": "input_video", "input_video": {"data": B64, "format": "exe"}})],
         "input_video.format must be one of mp4"),
        ([user({"type": "input_video", "input_video": {"data": B64, "format": 4}})],
         "input_video.format must be one of"),
        ([user({"type": "input_video", "input_video": []})],
         "input_video must be an object with a url"),
        ([user({"type": "image_url", "image_url": {"url": None}})], "an image part needs a url"),
        ([user({"type": "image_url", "image_url": None})],
         "image_url must be an object with a url"),
        ([{"role": "assistant", "content": "hi"}], "the last message must be a user message"),
        ([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}],
         "the last message must be a user message"),
        ([{"role": "user", "content": " \n"}], "the last message must be a user message"),
        ([{"role": "user", "content": None}], "the last message must be a user message"),
        ([{"role": "user", "content": [VIDEO]}], "the last message must be a user message"),
    ],
)  # fmt: skip
def test_each_malformed_part_is_a_400_on_messages(messages, said):
    error = refusal(messages)
    assert said in error.message and error.param == "messages"


@pytest.mark.parametrize("kind", ["video_url", "image_url"])
def test_remote_urls_are_refused_nothing_is_downloaded(kind):
    error = refusal([user({"type": kind, kind: {"url": "https://example.com/a"}})])
    assert "only data: and file://" in error.message and "nothing is downloaded" in error.message


@pytest.mark.parametrize("kind", ["video_url", "image_url"])
def test_file_urls_only_on_a_loopback_server(kind, tmp_path):
    part = {"type": kind, kind: {"url": f"file://{tmp_path}/a.png"}}
    error = refusal([user(part)], allow_files=False)
    assert "only on a loopback server" in error.message


@pytest.mark.parametrize("fps", [1e-9, 60, 60.0, 0.5])
def test_fps_in_zero_to_sixty_passes(fps):
    assert parse_messages([user(VIDEO)], {"fps": fps}, True).video.fps == float(fps)


@pytest.mark.parametrize("fps", [0, -1, 60.0001, True, "2", None])
def test_fps_outside_or_not_a_number_is_refused(fps):
    error = refusal([user(VIDEO)], {"fps": fps})
    assert error.message == "fps must be a number in (0, 60]" and error.param == "fps"


@pytest.mark.parametrize("count", [1, MAX_REQUEST_FRAMES])
def test_num_frames_at_both_ends_passes(count):
    assert parse_messages([user(VIDEO)], {"num_frames": count}, True).video.num_frames == count


@pytest.mark.parametrize("count", [0, MAX_REQUEST_FRAMES + 1, 2.0, True, "3"])
def test_num_frames_outside_or_not_an_int_is_refused(count):
    error = refusal([user(VIDEO)], {"num_frames": count})
    assert error.param == "num_frames"
    assert error.message == f"num_frames must be an integer in [1, {MAX_REQUEST_FRAMES}]"


def test_the_hint_nearest_the_video_wins():
    spec = {"url": VIDEO["video_url"]["url"], "fps": 4}
    part = {"type": "video_url", "video_url": spec, "fps": 3, "num_frames": 9}
    video = parse_messages([user(part)], {"fps": 2, "num_frames": 5}, True).video
    assert (video.fps, video.num_frames) == (4.0, 9)  # spec > part > request
    del spec["fps"]
    video = parse_messages([user(part)], {"fps": 2}, True).video
    assert video.fps == 3.0
    video = parse_messages([user(VIDEO)], {"fps": 2, "num_frames": 5}, True).video
    assert (video.fps, video.num_frames) == (2.0, 5)
    assert parse_messages([user(VIDEO)], {}, True).video.fps is None


def test_input_video_formats_data_and_url():
    part = {"type": "input_video", "input_video": {"data": B64, "format": "MOV", "num_frames": 3}}
    video = parse_messages([user(part)], {}, True).video
    assert (video.kind, video.data, video.num_frames) == ("bytes", b"not really a video", 3)
    no_format = {"type": "input_video", "input_video": {"data": B64}}  # mp4 assumed
    assert parse_messages([user(no_format)], {}, True).video.kind == "bytes"
    by_url = {"type": "input_video", "input_video": {"url": "file:///tmp/a%20b.mp4"}}
    video = parse_messages([user(by_url)], {}, True).video
    assert (video.kind, str(video.path)) == ("file", "/tmp/a b.mp4")


def test_the_question_history_system_and_newest_video():
    other = {"type": "video_url", "video_url": "data:video/mp4;base64," + base64.b64encode(
        b"the newest").decode()}  # fmt: skip
    messages = [
        {"role": "system", "content": "first system"},
        {"role": "user", "content": "u1"},
        {"role": "assistant", "content": "a1"},
        {"role": "developer", "content": "second system"},
        {"role": "user", "content": [VIDEO, {"type": "text", "text": "u2"}]},
        {"role": "user", "content": "u3"},  # a user turn answered by the next assistant
        {"role": "assistant", "content": [other, {"type": "text", "text": "a3"}]},
        {"role": "tool", "content": "ignored"},
        {"role": "user", "content": [{"type": "text", "text": "  the "},
                                     {"type": "text", "text": ""}, other,
                                     {"type": "text", "text": "question  "}]},
    ]  # fmt: skip
    parsed = parse_messages(messages, {}, True)
    assert parsed.question == "the  question"  # the parts' texts joined with spaces, stripped
    assert parsed.history == [("u1", "a1"), ("u3", "a3")]
    assert parsed.system == "second system"
    assert parsed.video.data == b"the newest"  # the newest video of a user message
    lone = parse_messages([{"role": "assistant", "content": "orphan"},
                           {"role": "user", "content": "q"}], {}, True)  # fmt: skip
    assert lone.history == [] and lone.video is None


def test_images_become_frames_with_the_first_images_hints_but_a_video_wins():
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64," + B64},
             "fps": 2}  # fmt: skip
    video = parse_messages([user(image, image)], {}, True).video
    assert (video.kind, len(video.images), video.fps) == ("frames", 2, 2.0)
    video = parse_messages([user(image, VIDEO)], {}, True).video
    assert video.kind == "bytes"


# -- image frames -------------------------------------------------------------------------------
def png(value: int, height: int = 6, width: int = 10) -> bytes:
    ok, data = import_cv2().imencode(".png", np.full((height, width, 3), value, np.uint8))
    return data.tobytes()


def test_num_frames_picks_evenly_from_the_images_first_and_last_included():
    images = [png(10 * i) for i in range(10)]
    samples = list(iter_samples(VideoInput("frames", images=images, num_frames=4, fps=2.0)))
    assert [t for t, _ in samples] == [0.0, 0.5, 1.0, 1.5]
    assert [int(frame[0, 0, 0]) for _, frame in samples] == [0, 30, 60, 90]
    assert all(frame.shape == (6, 10, 3) for _, frame in samples)  # height x width kept
    every = list(iter_samples(VideoInput("frames", images=images[:3], num_frames=5)))
    assert [t for t, _ in every] == [0.0, 1.0, 2.0]  # fewer images than asked: all of them


def test_exactly_the_frame_limit_of_images_is_read_and_one_more_is_refused():
    image = png(100, 2, 3)
    count = sum(1 for _ in iter_samples(VideoInput("frames", images=[image] * MAX_REQUEST_FRAMES)))
    assert count == MAX_REQUEST_FRAMES
    with pytest.raises(APIError, match=f"at most {MAX_REQUEST_FRAMES} frames per request"):
        next(iter_samples(VideoInput("frames", images=[image] * (MAX_REQUEST_FRAMES + 1))))
    chosen = VideoInput("frames", images=[image] * (MAX_REQUEST_FRAMES + 1), num_frames=3)
    assert sum(1 for _ in iter_samples(chosen)) == 3  # chosen first, then counted


def test_an_undecodable_image_is_named_by_its_place():
    samples = iter_samples(VideoInput("frames", images=[png(1), b"\x89PNG garbage"]))
    next(samples)
    with pytest.raises(APIError, match="^image 2 cannot be decoded"):
        next(samples)


def test_an_image_file_of_exactly_the_byte_limit_is_read_one_byte_more_is_not(
    tmp_path, monkeypatch
):
    data = png(7)
    monkeypatch.setattr(media, "MAX_IMAGE_FILE_BYTES", len(data))
    path = tmp_path / "a.png"
    path.write_bytes(data)
    part = {"type": "image_url", "image_url": {"url": f"file://{path}"}}
    assert parse_messages([user(part)], {}, True).video.images == [data]
    path.write_bytes(data + b"\0")
    assert f"{path} cannot be read as an image" in refusal([user(part)]).message
    for name in ("missing.png", ""):  # missing, a folder: the same words
        part = {"type": "image_url", "image_url": {"url": f"file://{tmp_path / name}"}}
        assert "cannot be read as an image" in refusal([user(part)]).message


def test_frames_over_the_pixel_cap_are_shrunk_keeping_height_and_width_apart():
    frame = np.zeros((30, 100, 3), np.uint8)
    assert shrink_frame(frame, 3000) is frame  # exactly the limit: untouched
    assert shrink_frame(frame, 2999).shape == (29, 99, 3)
    assert shrink_frame(frame, 750).shape == (15, 50, 3)
    assert shrink_frame(np.zeros((100, 30, 3), np.uint8), 750).shape == (50, 15, 3)


# -- request options ----------------------------------------------------------------------------
def option_error(body: dict) -> APIError:
    with pytest.raises(APIError) as error:
        ChatOptions.parse(body)
    assert error.value.status == 400
    return error.value


def test_defaults():
    options = ChatOptions.parse({})
    generation = options.generation
    assert (generation.max_new_tokens, generation.temperature, generation.top_p) == (256, 0, 1)
    assert (generation.seed, generation.stop_strings) == (None, ())
    assert (options.stream, options.include_usage, options.memory) == (False, False, None)


def test_max_tokens_from_one_capped_at_the_answer_limit_and_the_newer_name_wins():
    assert ChatOptions.parse({"max_tokens": 1}).generation.max_new_tokens == 1
    assert ChatOptions.parse({"max_tokens": MAX_NEW_TOKENS}).generation.max_new_tokens == 4096
    assert ChatOptions.parse({"max_tokens": MAX_NEW_TOKENS + 1}).generation.max_new_tokens == 4096
    both = {"max_tokens": 9, "max_completion_tokens": 5}
    assert ChatOptions.parse(both).generation.max_new_tokens == 5
    assert ChatOptions.parse({"max_tokens": None}).generation.max_new_tokens == 256
    for bad in (0, -1, 1.5, True, "5"):
        assert option_error({"max_tokens": bad}).param == "max_tokens"


@pytest.mark.parametrize("name,low,high,below,above", [
    ("temperature", 0.0, 2.0, -0.001, 2.001),
    ("top_p", 1e-6, 1.0, 0.0, 1.001),
])  # fmt: skip
def test_sampling_numbers_at_their_bounds(name, low, high, below, above):
    for value in (low, high):
        assert getattr(ChatOptions.parse({name: value}).generation, name) == value
    for value in (below, above, True, "1", None):
        error = option_error({name: value})
        assert error.param == name and f"{name} must be a number in [" in error.message


def test_seed_from_zero_to_below_two_to_the_sixty_third():
    assert ChatOptions.parse({"seed": 0}).generation.seed == 0
    assert ChatOptions.parse({"seed": 2**63 - 1}).generation.seed == 2**63 - 1
    assert option_error({"seed": 2**63}).message == "seed must be below 2**63"
    for bad in (-1, 1.0, True):
        assert option_error({"seed": bad}).param == "seed"


def test_stop_strings():
    assert ChatOptions.parse({"stop": "END"}).generation.stop_strings == ("END",)
    assert ChatOptions.parse({"stop": ["a", "b"]}).generation.stop_strings == ("a", "b")
    assert ChatOptions.parse({"stop": []}).generation.stop_strings == ()
    for bad in (["a", 1], {"a": 1}, 5):
        assert option_error({"stop": bad}).param == "stop"


def test_memory_stream_usage_and_n():
    assert ChatOptions.parse({"memory": 1}).memory == 1
    assert ChatOptions.parse({"memory": 4096}).memory == 4096
    for bad in (0, 4097, 2.0, True):
        assert option_error({"memory": bad}).param == "memory"
    options = ChatOptions.parse({"stream": True, "stream_options": {"include_usage": True}})
    assert options.stream and options.include_usage
    assert not ChatOptions.parse({"stream": True, "stream_options": None}).include_usage
    assert option_error({"stream": "yes"}).param == "stream"
    assert option_error({"stream_options": [1]}).param == "stream_options"
    assert ChatOptions.parse({"n": 1}).stream is False
    assert option_error({"n": 2}).message == "only n=1 is supported"
