"""What tests in every folder share."""

# The address every test talks to: the Host checks (app/cross_site.py) refuse TestClient's "testserver".
BASE_URL = "http://127.0.0.1"
