"""Cross-checks of genda.metrics against reference libraries (properscoring, scoringrules, scipy) and known answers.

The notebook nbs/09_metrics.ipynb holds the main known-answer tests; these add library cross-checks on
random shapes, NaN handling and dimension order (metrics must find dims by name, not position).
"""
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy import stats

from genda import metrics as M

RNG = np.random.default_rng(123)


def _ens(shape=(3, 6, 5), members=9, land=True):
    e = xr.DataArray(RNG.normal(0, 1, (members,) + shape), dims=("member", "time", "latitude", "longitude"))
    t = xr.DataArray(RNG.normal(0, 1, shape), dims=("time", "latitude", "longitude"))
    if land:
        t = t.copy(data=np.where(np.arange(6)[:, None] == 0, np.nan, t.values))  # first latitude row is land
        e = e.where(t.notnull())
    return e, t


@pytest.mark.parametrize("fair", [False, True])
def test_crps_matches_scoringrules_and_properscoring(fair):
    import properscoring as ps
    import scoringrules as sr
    e, t = _ens()
    ours = M.crps(e, t, fair=fair, dim=[]).transpose("time", "latitude", "longitude").values
    ev = np.moveaxis(e.values, 0, -1)
    ref = sr.crps_ensemble(t.values, ev, estimator="fair" if fair else "nrg")
    np.testing.assert_allclose(ours[np.isfinite(t.values)], ref[np.isfinite(t.values)], rtol=1e-10)
    if not fair:
        np.testing.assert_allclose(ours[np.isfinite(t.values)], ps.crps_ensemble(t.values, ev)[np.isfinite(t.values)], rtol=1e-10)
    assert np.isnan(ours[~np.isfinite(t.values)]).all()
    # dimension order does not matter
    np.testing.assert_allclose(float(M.crps(e.transpose("longitude", "member", "time", "latitude"), t, fair=fair)),
                               float(M.crps(e, t, fair=fair)))


def test_crps_closed_form_gaussian():
    y = RNG.normal(0.3, 2.0, 300)
    ens = RNG.normal(0.3, 2.0, (300, 3000))
    z = (y - 0.3) / 2.0
    closed = np.mean(2.0 * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / np.sqrt(np.pi)))
    c = float(M.crps(xr.DataArray(ens, dims=("x", "member")), xr.DataArray(y, dims="x"), fair=True))
    assert abs(c / closed - 1) < 0.01


def test_energy_score_matches_scoringrules():
    import scoringrules as sr
    e, t = _ens(land=False)
    ours = M.energy_score(e, t, dim=[]).values
    ref = sr.es_ensemble(t.values.reshape(3, -1), np.moveaxis(e.values, 0, 1).reshape(3, 9, -1))
    np.testing.assert_allclose(ours, ref, rtol=1e-10)


def test_spread_skill_calibrated_and_rank_histogram_flat():
    n, m = 20000, 4
    c = RNG.normal(0, 5, n)
    truth = xr.DataArray(c + RNG.normal(0, 1, n), dims="x")
    ens = xr.DataArray(c[:, None] + RNG.normal(0, 1, (n, m)), dims=("x", "member"))
    assert abs(float(M.spread_skill(ens, truth)) - 1) < 0.03
    rh = M.rank_histogram(ens, truth)
    assert rh.sizes["rank"] == m + 1 and int(rh.sum()) == n
    assert stats.chisquare(rh.values).pvalue > 1e-4


@pytest.mark.parametrize("n,expected", [(155, 0), (156, 1), (194, 1), (195, 2), (400, 7), (1000, 22)])
def test_along_track_segment_counts(n, expected):
    lat = np.arange(n) * 6.387 / M.KM_PER_DEG
    assert len(M.along_track_segments(lat, np.zeros(n))) == expected == max((n - 156) // 39 + 1, 0)


def test_along_track_gap_splits_segments():
    lat = np.arange(300) * 6.387 / M.KM_PER_DEG
    lat[150:] += 1.0  # a 111 km gap in the middle: two pieces of 150 points, none long enough
    assert M.along_track_segments(lat, np.zeros(300)) == []


def test_orcast_metrics_hand_made():
    r = M.orcast_metrics([1, -1, 0], [0, 0, 0.5], [1, 1, 0], [0, 0, 0.51])
    assert r["n"] == 3
    assert r["frac_angle_45"] == pytest.approx(2 / 3)  # opposite direction fails
    assert r["frac_dspeed_0025"] == pytest.approx(1.0)  # speeds equal or within 0.01
    assert r["mean_abs_dV"] == pytest.approx((0 + 2 + 0.01) / 3)
    assert r["rmse_u"] == pytest.approx(np.sqrt(4 / 3))
    assert r["rmse_v"] == pytest.approx(np.sqrt(0.0001 / 3))


def test_jensen_shannon_matches_scipy_definition():
    a, b = RNG.normal(0, 1, 5000), RNG.normal(1, 1, 5000)
    rng = (min(a.min(), b.min()), max(a.max(), b.max()))
    pa, _ = np.histogram(a, 40, rng)
    pb, _ = np.histogram(b, 40, rng)
    pa, pb = pa / pa.sum(), pb / pb.sum()
    mix = (pa + pb) / 2
    kl = lambda p, q: np.sum(p[p > 0] * np.log2(p[p > 0] / q[p > 0]))
    assert M.jensen_shannon(a, b, bins=40) == pytest.approx(0.5 * kl(pa, mix) + 0.5 * kl(pb, mix), rel=1e-9)


def test_score_fields_tidy():
    time = pd.date_range("2021-01-01", periods=4, freq="D")
    t = xr.Dataset({"zos": (("time", "latitude", "longitude"), RNG.normal(0, 1, (4, 5, 6)))},
                   coords={"time": time, "latitude": np.arange(5.0), "longitude": np.arange(6.0)})
    df = M.score_fields(t + 0.1, t)
    assert list(df.columns) == ["variable", "metric", "value"]
    v = df.set_index("metric").value
    assert v["rmse"] == pytest.approx(0.1)
    assert "lambda_x_deg" not in v.index  # too few points for spectra
    assert "crps" not in v.index
