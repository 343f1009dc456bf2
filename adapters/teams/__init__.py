"""Microsoft Teams front end: a Bot Framework bot answering with Adaptive Cards.

Every Bot Framework import lives in this folder (``bot.py``, ``main.py``), so
that moving to the Microsoft 365 Agents SDK, which succeeds the archived Bot
Framework SDK, touches nothing else. ``cards.py`` and ``manifest.py`` are pure.
"""
