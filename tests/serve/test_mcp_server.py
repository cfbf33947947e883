"""``videoscan mcp`` through the official MCP SDK client over stdio (a real subprocess)."""

from __future__ import annotations

import asyncio
import json
import sys

import numpy as np
import pytest

from videoscan_core.video import import_cv2

mcp = pytest.importorskip("mcp")


def write_video(path, frames: int, fps: float) -> None:
    cv2 = import_cv2()
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (64, 48))
    for i in range(frames):
        frame = np.full((48, 64, 3), (25 * i) % 250, np.uint8)
        writer.write(frame)
    writer.release()


def structured(result) -> dict:
    assert not result.is_error, result.content
    if result.structured_content is not None:
        return result.structured_content
    return json.loads(result.content[0].text)


async def wait_for(check, seconds: float = 60.0):
    """Poll an async ``check`` until it returns something truthy (bounded)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        value = await check()
        if value or asyncio.get_running_loop().time() > deadline:
            return value
        await asyncio.sleep(0.1)


@pytest.mark.slow
def test_mcp_tools_over_stdio(tmp_path, tiny_model_dir):
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    video = tmp_path / "live.mp4"
    write_video(video, 60, 2.0)  # 30 s at 2 FPS
    alerts_file = tmp_path / "alerts.json"
    params = StdioServerParameters(
        command=sys.executable,
        args=[
            "-m",
            "videoscan_core.cli.main",
            "mcp",
            "--model",
            str(tiny_model_dir),
            "--source",
            f"file:{video}",
            "--fps",
            "2",
            "--memory",
            "6",
            "--alerts-file",
            str(alerts_file),
        ],  # fmt: skip
        env={"HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"},
    )

    async def session() -> None:
        async with Client(params, read_timeout_seconds=120) as client:
            tools = {tool.name for tool in (await client.list_tools()).tools}
            assert {"ask_screen", "recent_memory", "add_alert", "list_alerts"} <= tools

            async def memory():
                found = structured(await client.call_tool("recent_memory", {"minutes": 10}))
                return found if found["frames_seen"] >= 2 else None

            recent = await wait_for(memory)
            assert recent and recent["carriers"] and recent["carriers"][-1]["time"] <= recent["now"]
            assert len(recent["carriers"]) <= 6
            answer = structured(
                await client.call_tool(
                    "ask_screen", {"question": "What is shown?", "max_tokens": 4}
                )
            )
            assert isinstance(answer["answer"], str) and answer["frames_seen"] >= 2
            times = [c["time"] for c in recent["carriers"]]
            assert all(e["time"] >= min(times) for e in answer["evidence"])
            added = structured(
                await client.call_tool("add_alert", {"condition": "a light frame", "threshold": 0})
            )
            assert added["condition"] == "a light frame"

            async def alerts():
                listed = structured(await client.call_tool("list_alerts", {}))
                return listed if listed["alerts"] else None

            listed = await wait_for(alerts)
            assert listed, "no alert was raised"
            assert listed["conditions"] == [
                {"id": added["id"], "condition": "a light frame", "enabled": True}
            ]
            # threshold 0 fires once and never re-arms: exactly one alert for the event
            assert [a["condition"] for a in listed["alerts"]] == ["a light frame"]
            removed = structured(await client.call_tool("remove_alert", {"id": added["id"]}))
            assert removed == {"removed": True}

    asyncio.run(asyncio.wait_for(session(), 240))
    assert json.loads(alerts_file.read_text()) == {"conditions": []}
