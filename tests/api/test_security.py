"""Abuse classes of the security review, tried over real HTTP against a served app (SQLite and
PostgreSQL): each is refused quickly, with a clear problem document, while normal use stays fast."""

from __future__ import annotations

import time


def test_values_query_with_thousands_of_unknown_names_is_bounded(site) -> None:
    names = ";".join(f"xa{i:04d}" for i in range(2200))  # > the cap of items
    with site.client() as client:
        started = time.monotonic()
        response = client.get("/api/v1/values", params={"dx": "so_diem_wifi", "pe": "2025", "ou": names})
        took = time.monotonic() - started
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "at most 1000" in response.json()["detail"]
        assert took < 2, took

        # Under the cap, unknown names are answered within the look-up budget, and the
        # refusal lists a bounded number of problems while counting them all.
        names = ";".join(f"khong co {i:03d}" for i in range(999))
        started = time.monotonic()
        response = client.get("/api/v1/values", params={"dx": "so_diem_wifi", "pe": "2025", "ou": names})
        took = time.monotonic() - started
        assert response.status_code == 422, response.text
        body = response.json()
        assert len(body["errors"]) <= 20
        assert "998 more" in body["detail"] or "budget" in body["detail"], body["detail"]
        assert took < 3, took
        assert len(response.content) < 20_000

        # A normal query by codes and exact names stays fast and correct.
        started = time.monotonic()
        for _ in range(20):
            ok = client.get("/api/v1/values",
                            params={"dx": "so_diem_wifi", "pe": "2025", "ou": "VN;01;Hà Nội;ho chi minh"})
            assert ok.status_code == 200, ok.text
        assert (time.monotonic() - started) / 20 < 0.5


def test_value_query_names_resolve_through_the_index(site) -> None:
    with site.client() as client:
        by_name = client.get("/api/v1/values",
                             params={"dx": "so_diem_wifi", "pe": "2025", "ou": "ha noi;Thành phố Hồ Chí Minh"})
    assert by_name.status_code == 200, by_name.text
    assert by_name.json()["ou"] == ["01", "79"]
