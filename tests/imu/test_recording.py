import dataclasses

import numpy as np
import pytest

from sportlens.imu.recording import ImuRecording, check_timing, merge_streams


def test_timing_reports_gaps_and_duplicates():
    t = np.concatenate([np.arange(0, 1, 0.01), [0.99], np.arange(1.5, 2.0, 0.01)])
    report = check_timing(t)
    assert report.median_rate_hz == pytest.approx(100.0, rel=1e-6)
    assert report.duplicates == 1
    assert len(report.gaps) == 1
    assert report.gaps[0][0] == pytest.approx(0.99, abs=1e-9)
    assert report.gaps[0][1] == pytest.approx(0.51, abs=1e-9)
    assert not report.ok
    assert any("gap" in line for line in report.lines())


def test_segments_split_at_gaps_and_drop_duplicates():
    t = np.concatenate([np.arange(0, 1, 0.01), [0.99], np.arange(1.5, 2.0, 0.01)])
    rec = ImuRecording(t, np.zeros((t.size, 3)) + [0, 0, 9.8])
    parts = rec.segments()
    assert [len(p) for p in parts] == [100, 50]
    assert all(p.timing.ok for p in parts)


def test_recording_is_frozen_and_validated():
    t = np.arange(10) / 10
    rec = ImuRecording(t, np.zeros((10, 3)))
    assert rec.rate_hz == pytest.approx(10.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        rec.rate_hz = 5.0
    with pytest.raises(ValueError, match="acc_mps2 must have shape"):
        ImuRecording(t, np.zeros((9, 3)))
    with pytest.raises(ValueError, match="read-only"):
        rec.acc_mps2[0, 0] = 1.0


def test_uniform_resampling_is_linear():
    t = np.array([0.0, 0.1, 0.3, 0.4])
    acc = np.column_stack([t * 10, t, t])
    rec = ImuRecording(t, acc, rate_hz=10.0).uniform()
    assert np.allclose(rec.time_s, [0.0, 0.1, 0.2, 0.3, 0.4])
    assert np.allclose(rec.acc_mps2[:, 0], [0, 1, 2, 3, 4])


def test_merge_streams_puts_two_rates_on_one_grid_and_keeps_gaps():
    ta = np.arange(0, 4, 0.08)  # 12.5 Hz
    tg = np.concatenate([np.arange(0, 2, 0.04), np.arange(3, 4.02, 0.04)])  # 25 Hz with a 1 s hole
    acc = np.column_stack([ta, 2 * ta, np.full_like(ta, 9.8)])
    gyro = np.column_stack([tg, -tg, np.zeros_like(tg)])
    rec = merge_streams(ta, acc, tg, gyro, rate_hz=25.0)
    assert rec.source_rates_hz["acc"] == pytest.approx(12.5)
    assert rec.source_rates_hz["gyro"] == pytest.approx(25.0)
    assert rec.rate_hz == 25.0
    # no grid point inside the gyro's hole (1.96 .. 3.0 s)
    assert not np.any((rec.time_s > 1.97) & (rec.time_s < 2.99))
    assert len(rec.timing.gaps) == 1
    # linear signals are reproduced exactly by linear interpolation
    assert np.allclose(rec.acc_mps2[:, 1], 2 * rec.time_s, atol=1e-9)
    assert np.allclose(rec.gyro_rads[:, 1], -rec.time_s, atol=1e-9)
