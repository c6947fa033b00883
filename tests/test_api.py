"""handouts.render_pdf: the public, thread-safe Python API."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

import handouts
from handouts.errors import HandoutsError, UsageError

REQUESTS = [
    dict(procedure="botox-neck", lang="en", provider="dr-rivera", patient="Ana Rivera", visit_date=dt.date(2026, 12, 1)),
    dict(procedure="botox-neck", lang="es", provider="dr-rivera"),
    dict(procedure="botox-migraine", lang="zh_Hans", patient="王小明", visit_date=dt.date(2026, 12, 28)),
    dict(procedure="botox-neck", lang="ar", patient="محمد علي"),
    dict(procedure="botox-migraine", lang="hi", provider="dr-rivera" if False else None, large_print=True),
    dict(procedure="botox-neck", lang="vi", patient="Văn An", grayscale=True, paper="a4"),
]


def _call(request: dict) -> bytes:
    args = dict(request)
    return handouts.render_pdf(args.pop("procedure"), **args)


def test_render_pdf_is_what_generate_writes(cli, tmp_path):
    pdf = handouts.render_pdf("botox-neck", lang="es", provider="dr-rivera", patient="Ana Rivera", visit_date=dt.date(2026, 12, 1))
    result = cli("generate", "botox-neck", "--lang", "es", "--provider", "dr-rivera", "--patient", "Ana Rivera",
                 "--visit-date", "2026-12-01", "-o", "g.pdf")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "g.pdf").read_bytes() == pdf


def test_render_pdf_takes_a_clinic_path_or_a_loaded_clinic(make_clinic):
    from handouts.config import load_clinic

    path = make_clinic()
    by_path = handouts.render_pdf("botox-neck", clinic=path, provider="dr-test")
    assert handouts.render_pdf("botox-neck", clinic=load_clinic(path), provider="dr-test") == by_path
    assert handouts.render_pdf("botox-neck", clinic=str(path), provider="dr-test") == by_path


def test_many_threads_get_the_bytes_of_sequential_calls():
    expected = [_call(r) for r in REQUESTS]
    results: dict[int, bytes] = {}
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for round_ in range(2):
                index = (worker + round_) % len(REQUESTS)
                pdf = _call(REQUESTS[index])
                if pdf != expected[index]:
                    raise AssertionError(f"thread {worker}: request {index} differs")
                results[worker * 10 + round_] = pdf
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert len(results) == 12


def test_bad_requests_raise_handouts_errors():
    with pytest.raises(UsageError, match="unknown procedure"):
        handouts.render_pdf("botox-knee")
    with pytest.raises(UsageError, match="unknown language"):
        handouts.render_pdf("botox-neck", lang="xx")
    with pytest.raises(UsageError, match="visit_date must be a datetime.date"):
        handouts.render_pdf("botox-neck", visit_date="2026-12-01")  # type: ignore[arg-type]
    with pytest.raises(HandoutsError):
        handouts.render_pdf("botox-neck", provider="nobody")
