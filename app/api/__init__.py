"""The JSON API: validation in, core objects out."""
