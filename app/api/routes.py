"""HTTP routes of the JSON API (placeholder: the API issue fills this in)."""

from fastapi import APIRouter

router = APIRouter()


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}
