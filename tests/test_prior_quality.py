"""The shipped priors against held-out data of the demo world (the test split, never seen in training).

Issue 12's quality targets, per channel winds included: std ratio 0.8-1.25, |mean offset| < 0.2 std, band power
ratio 0.67-1.5 in each third of the resolved wavenumbers; the sign of the vorticity skewness; cross-channel
correlations within 0.1. Sampling: 64 unconditional samples (Heun, 18 steps, fixed seed) against 128 held-out crops
(`genda.report.report_prior`).

The daily prior meets every target but three, listed in DAILY_MISSES (measured 2026-12-02 with its crop-mean path,
`genda.diffusion.EDMPrecond.dc`, which took the winds' std ratio from 0.76 / 0.66 to 0.95 / 0.81; see
nbs/prior_report.ipynb): they are checked against looser bounds so that they cannot get worse unnoticed, and the
test fails if one of them starts to pass (then remove it from the list). The window prior (5 days, 35 channels,
trained as long as the daily one) is far from its targets at small scales; its test checks what it does reproduce.
"""
from genda.train import load_prior
from genda.report import report_prior, quality_targets

OCEAN = ["zos", "thetao", "so", "u_ageo_eddy", "v_ageo_eddy"]
# (channel, target) -> the looser bound its value must stay within
DAILY_MISSES = {("zos", "spectrum ratio, large scales"): (0.55, 1.5),   # measured 0.649
                ("uas", "spectrum ratio, small scales"): (0.67, 1.65),  # 1.505 (1.49 without the crop-mean path)
                ("vas", "spectrum ratio, small scales"): (0.67, 1.65)}  # 1.522 (1.47)


def _report(name):
    per, joint, _, tend = report_prior(load_prior(name), n=64, crops=128, plot=False)
    return per, quality_targets(per, joint), tend


def test_daily_prior_meets_quality_targets():
    _, qt, _ = _report("demo")
    print(qt.to_string())
    key = list(zip(qt.channel, qt.target))
    known = qt[[k in DAILY_MISSES for k in key]]
    rest = qt[[k not in DAILY_MISSES for k in key]]
    assert rest.met.all(), f"targets missed:\n{rest[~rest.met].to_string()}"
    assert not known.met.any(), f"a known miss now passes (remove it from DAILY_MISSES):\n{known[known.met].to_string()}"
    for (c, t), v in zip(zip(known.channel, known.target), known.value):
        lo, hi = DAILY_MISSES[(c, t)]
        assert lo <= v <= hi, (c, t, v)


def test_window_prior_what_it_reproduces():
    per, qt, t = _report("demo-window")
    print(qt.to_string()); print(t.to_string())
    assert per.loc[OCEAN, "std_ratio"].between(0.8, 1.25).all()
    assert (per.loc[OCEAN, "mean_offset"].abs() < 0.2).all()
    assert (per.jsd < 0.1).all()
    assert t.loc[OCEAN, "change_std_ratio"].between(0.67, 2.5).all()             # measured 1.19-2.07: too jumpy
    assert (t.loc[OCEAN, "lag1_prior"] - t.loc[OCEAN, "lag1_data"]).abs().max() < 0.4  # 0.03-0.33 below the data's
