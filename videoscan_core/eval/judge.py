"""An optional LLM judge for open-ended answers (VStream-QA), over any OpenAI-compatible server.

Contract: ``Judge(url, model, timeout)`` posts to ``<url>/chat/completions`` (``url`` like
``http://127.0.0.1:8000/v1``; our own ``videoscan serve`` works, as does any OpenAI-compatible
endpoint) with the Video-ChatGPT / Flash-VStream judging prompt (the one VStream-QA's paper
scores with: a yes/no match and a 0-5 score, returned as a Python dict string).
``judge(question, answer, prediction) -> {"judge_yes": bool, "judge_score": float}``;
a server that fails or answers off-format raises ``VideoScanError`` naming the URL. The API key,
if any, comes from ``OPENAI_API_KEY``.
"""

from __future__ import annotations

import ast
import json
import os
import re
import urllib.error
import urllib.request

from ..errors import VideoScanError

SYSTEM = (
    "You are an intelligent chatbot designed for evaluating the correctness of generative "
    "outputs for question-answer pairs. Your task is to compare the predicted answer with the "
    "correct answer and determine if they match meaningfully. Focus on the meaningful match "
    "between the predicted answer and the correct answer; consider synonyms or paraphrases as "
    "valid matches; evaluate the correctness of the prediction compared to the answer."
)
USER = (
    "Please evaluate the following video-based question-answer pair:\n\n"
    "Question: {question}\nCorrect Answer: {answer}\nPredicted Answer: {prediction}\n\n"
    "Provide your evaluation only as a yes/no and score where the score is an integer value "
    "between 0 and 5, with 5 indicating the highest meaningful match. Please generate the "
    "response in the form of a Python dictionary string with keys 'pred' and 'score', where "
    "value of 'pred' is a string of 'yes' or 'no' and value of 'score' is in INTEGER, not "
    "STRING. DO NOT PROVIDE ANY OTHER OUTPUT TEXT OR EXPLANATION. Only provide the Python "
    "dictionary string. For example, your response should look like this: "
    "{{'pred': 'yes', 'score': 4}}."
)


def parse_verdict(text: str) -> dict:
    match = re.search(r"\{.*\}", text, re.DOTALL)
    if not match:
        raise ValueError(f"no dictionary in {text[:80]!r}")
    data = ast.literal_eval(match.group(0))
    return {
        "judge_yes": str(data["pred"]).strip().lower().startswith("y"),
        "judge_score": float(data["score"]),
    }


class Judge:
    def __init__(self, url: str, model: str = "judge", timeout: float = 60.0) -> None:
        self.url = url.rstrip("/") + "/chat/completions"
        self.model = model
        self.timeout = timeout

    def judge(self, question: str, answer: str, prediction: str) -> dict:
        body = {
            "model": self.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": SYSTEM},
                {
                    "role": "user",
                    "content": USER.format(
                        question=question, answer=answer, prediction=prediction
                    ),
                },
            ],
        }
        headers = {"Content-Type": "application/json"}
        if os.environ.get("OPENAI_API_KEY"):
            headers["Authorization"] = f"Bearer {os.environ['OPENAI_API_KEY']}"
        request = urllib.request.Request(
            self.url, json.dumps(body).encode(), headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                reply = json.loads(response.read())
            return parse_verdict(reply["choices"][0]["message"]["content"])
        except (urllib.error.URLError, OSError, ValueError, KeyError, IndexError) as error:
            raise VideoScanError(f"judge at {self.url} failed: {error}") from None
