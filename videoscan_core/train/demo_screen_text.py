"""Synthetic screen-text contexts and questions for training the bundled model to answer from the
text memory, in the exact prompt format the engine uses (``screen_text/prompt.py``).

Contract: ``screen_text_question(rng, now)`` returns ``(context, question, answer, value)``:
``context`` is ``render_screen_text`` of 2-4 blocks (a scene's blocks and maybe one block of
another scene, times before ``now``), ``question`` asks for one value of the scene, ``answer``
names it verbatim ("The ticket number was TCK-48213."), ``value`` as the context shows it. One
question in eight asks for something no block holds
and is answered ``NOT_SEEN`` (refusals only where the memory cannot know). Scenes here are
e-mail, calendar, downloads, editor status bars, tickets, bank transfers, parcels and settings
dialogs: none is a terminal, chat, notification or shop page (the held-out evaluation's scenes),
so the evaluation measures reading, not memorised layouts.
"""

from __future__ import annotations

import numpy as np

from ..events import SeenText
from ..screen_text.prompt import render_screen_text

NOT_SEEN = "I did not see that on the screen."
FIRST = ("Maria", "Tom", "Aiko", "Lena", "Omar", "Priya", "Jonas", "Chen", "Sofia", "Kwame")
LAST = ("Keller", "Nguyen", "Okafor", "Silva", "Novak", "Haddad", "Larsen", "Ito", "Moreau")
WORDS = ("budget", "roadmap", "invoice", "quarterly", "design", "review", "launch", "hiring",
         "travel", "backup", "migration", "contract", "survey", "workshop", "audit")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
CITIES = ("Lisbon", "Osaka", "Nairobi", "Toronto", "Oslo", "Lima", "Hanoi", "Porto", "Quito")


def _pick(rng: np.random.Generator, items):
    return items[int(rng.integers(len(items)))]


def _code(rng: np.random.Generator, prefix: str, digits: int) -> str:
    return prefix + "".join(str(int(d)) for d in rng.integers(0, 10, digits))


def _person(rng) -> str:
    return f"{_pick(rng, FIRST)} {_pick(rng, LAST)}"


def _time(rng) -> str:
    return f"{int(rng.integers(7, 19))}:{_pick(rng, ('00', '15', '30', '45'))}"


SCENES = 8


def _scene(rng: np.random.Generator, kind: int) -> tuple[list[str], list[tuple[str, str, str]]]:
    """(blocks of text, [(question, answer, the value as the blocks show it)]) of a scene."""
    if kind == 0:
        who, topic = _person(rng), f"{_pick(rng, WORDS).title()} {_pick(rng, WORDS)}"
        return (["Inbox (3 unread)", f"From: {who}\nSubject: {topic} notes",
                 f"Please reply by {_pick(rng, MONTHS)} {int(rng.integers(1, 29))}."],
                [("Who sent the e-mail?", f"The e-mail was from {who}.", who),
                 ("What was the subject of the e-mail?", f"The subject was {topic} notes.",
                  topic)])
    if kind == 1:
        title, room = f"{_pick(rng, WORDS).title()} sync", _code(rng, "Room ", 3)
        when = _time(rng)
        return ([f"Calendar - {_pick(rng, MONTHS)}", f"{title}\n{when} - {room}"],
                [("What time is the meeting?", f"The meeting is at {when}.", when),
                 ("Which room is the meeting in?", f"It is in {room}.", room)])
    if kind == 2:
        name = f"{_pick(rng, WORDS)}_{_code(rng, '', 4)}.pdf"
        size = f"{int(rng.integers(2, 900))} MB"
        return (["Downloads", f"{name}\n{size} - Completed"],
                [("What was the name of the downloaded file?", f"The file was {name}.", name),
                 ("How big was the download?", f"It was {size}.", size)])
    if kind == 3:
        line, branch = int(rng.integers(10, 900)), f"feature/{_pick(rng, WORDS)}"
        return (["main.py - Editor", f"Ln {line}, Col {int(rng.integers(1, 80))}",
                 f"Branch: {branch}"],
                [("Which branch was checked out?", f"The branch was {branch}.", branch),
                 ("What line was the cursor on?", f"Line {line}.", f"Ln {line}")])
    if kind == 4:
        ticket, owner = _code(rng, "TCK-", 5), _person(rng)
        return ([f"Ticket {ticket}\nStatus: {_pick(rng, ('Open', 'In progress', 'Blocked'))}",
                 f"Assignee: {owner}"],
                [("What was the ticket number?", f"The ticket number was {ticket}.", ticket),
                 ("Who is the ticket assigned to?", f"It is assigned to {owner}.", owner)])
    if kind == 5:
        amount = f"{int(rng.integers(10, 5000))}.{int(rng.integers(0, 100)):02d} EUR"
        reference = _code(rng, "REF", 8)
        return ([f"Transfer confirmed\nAmount: {amount}", f"Reference: {reference}"],
                [("How much was transferred?", f"{amount} was transferred.", amount),
                 ("What was the transfer reference?", f"The reference was {reference}.",
                  reference)])
    if kind == 6:
        tracking, city = _code(rng, "PK", 10), _pick(rng, CITIES)
        return ([f"Parcel {tracking}", f"Arrived at the {city} depot"],
                [("What was the tracking number?", f"The tracking number was {tracking}.",
                  tracking),
                 ("Where did the parcel arrive?", f"It arrived at the {city} depot.", city)])
    level = int(rng.integers(5, 100))
    device = f"{_pick(rng, ('Speaker', 'Headset', 'Monitor'))} {_code(rng, 'X', 2)}"
    return (["Settings - Sound", f"Output device: {device}", f"Volume {level}%"],
            [("What was the output device?", f"The output device was {device}.", device),
             ("What was the volume level?", f"The volume was {level}%.", f"Volume {level}%")])


UNASKED = (  # fields no scene above shows
    "What was the flight number?", "What was the order number?", "What was the Wi-Fi password?",
    "What did the terminal error say?", "What was the phone number?",
)


def screen_text_question(rng: np.random.Generator, now: float) -> tuple[str, str, str, str]:
    """(rendered context, question, answer, the value it names as shown; "" for a refusal)
    for a stream that has reached ``now`` seconds."""
    kinds = rng.permutation(SCENES)
    blocks, asks = _scene(rng, int(kinds[0]))
    for other in kinds[1 : 1 + int(rng.integers(0, 2))]:  # a distractor from another scene
        blocks += _scene(rng, int(other))[0][-1:]
    order = rng.permutation(len(blocks))
    span = max(now, 30.0)
    seen = [SeenText(blocks[i], float(t), float(t)) for i, t in
            zip(order, np.sort(rng.uniform(0, span, len(blocks))), strict=True)]
    context = render_screen_text(seen)
    if rng.random() < 0.125:
        return context, _pick(rng, UNASKED), NOT_SEEN, ""
    question, answer, value = asks[int(rng.integers(len(asks)))]
    return context, question, answer, value
