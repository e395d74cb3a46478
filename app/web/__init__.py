"""The web layer every part of the server shares: JSON bytes (json.py), error answers (errors.py), the body limit
(body_limit.py). It imports nothing from app.api or app.classroom, which both build on it."""
