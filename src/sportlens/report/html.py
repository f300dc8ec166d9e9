"""report.html: the whole analysis on one offline page (video with a synchronised cursor, plots, tables,
warnings, models, configuration and links to every file). The numbers are embedded once, as JSON in
<script id="report-data">, which the page's own script draws and which tests read back."""

from __future__ import annotations

import html
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sportlens.io.atomic import write_text
from sportlens.report.page import PAGE_SCRIPT, PAGE_STYLE
from sportlens.summary import Summary

REPORT_FILE = "report.html"
MAX_PLOT_POINTS = 6000  # longer series are thinned for the plots (the CSV files keep every frame)
DEFAULT_ANGLES = 4  # joint angles shown at first: those that move most (the others one click away)
FOLDER_LISTING_LIMIT = 12  # a folder with more files (openpose/) is linked as a folder


def _clean(values) -> list[float | None]:
    return [None if v is None or not math.isfinite(float(v)) else round(float(v), 3) for v in values]


def _thin(n: int) -> slice:
    return slice(None, None, max(1, math.ceil(n / MAX_PLOT_POINTS)))


def _rel(out_dir: Path, path: Path) -> str:
    return Path(os.path.relpath(Path(path).resolve(), out_dir.resolve())).as_posix()


def report_data(out_dir: Path, source: Path, kind: str, summary: Summary, runs: list,
                recording=None) -> dict[str, Any]:
    """Everything the page shows, as plain JSON-ready values (`recording`: the IMU recording analysed)."""
    done = {r.name: r for r in runs if r.summary is not None}
    data: dict[str, Any] = {
        "title": source.name, "input": str(source), "kind": kind, "created_utc": summary.created_utc,
        "version": summary.tool["version"], "video": None, "fps": None, "plots": [], "tables": [], "images": [],
        "tasks": [r.row() for r in runs], "warnings": list(summary.warnings), "models": [],
        "versions": summary.versions, "options": summary.options, "facts": [],
    }
    if kind == "video":
        _video_parts(out_dir, source, data, done)
    elif kind == "imu":
        _imu_parts(out_dir, source, summary, data, done)
        if recording is not None:
            _imu_plots(recording, data, done)
    else:
        _photo_parts(out_dir, data, done)
    data["outputs"] = _outputs(out_dir)
    return data


def _video_parts(out_dir: Path, source: Path, data: dict, done: dict) -> None:
    for candidate in ("pose/annotated.mp4", "reps/reps.mp4", "ball/annotated.mp4"):
        if (out_dir / candidate).is_file():
            data["video"] = candidate
            break
    else:
        data["video"] = _rel(out_dir, source)  # no annotated video: the input itself, where it lies
    pose = done.get("pose")
    if pose is not None:
        m = pose.summary.metrics
        data["fps"] = m.get("video_fps")
        data["facts"] += [("frames", m.get("frames")), ("frames with a person", m.get("frames_with_person")),
                          ("frame rate", f"{m.get('video_fps')} fps"), ("size", f"{m.get('width')}×{m.get('height')}")]
        data["models"].append({"task": "pose", "model": m.get("model"), "details": {}})
        _angle_plot(out_dir, data, m)
    reps = done.get("reps")
    if reps is not None:
        _reps_parts(out_dir, data, reps.summary)
    ball = done.get("ball")
    if ball is not None:
        m = ball.summary.metrics
        data["fps"] = data["fps"] or m.get("video_fps")
        data["facts"].append(("frames with the ball", f"{m.get('frames_with_ball')}/{m.get('frames')}"))
        data["models"].append({"task": "ball", "model": m.get("model"), "details": {}})
        if m.get("frames_with_ball"):
            data["facts"].append(("shots / rallies", f"{m.get('shots')} / {m.get('rallies')}"))
            top = m.get("max_speed_mps")
            data["facts"].append(("ball top speed", f"{top} m/s" if top is not None
                                  else f"{m.get('max_speed_px_s')} px/s"))
            _ball_plots(out_dir, data, m)
            _ball_tables(out_dir, data)
    action = done.get("action")
    if action is not None:
        m = action.summary.metrics
        data["models"].append({"task": "action", "model": m.get("model"), "details": _action_card(data)})
        if action.summary.command == "action detect":
            _action_timeline(out_dir, data, m)
        else:
            rows = [{"rank": k + 1, **p} for pred in m.get("predictions", []) for k, p in enumerate(pred["top_k"])]
            data["tables"].append({"title": "Action (whole clip)", "columns": ["rank", "label", "probability"],
                                   "rows": rows})
            if rows:
                data["facts"].append(("action", f"{rows[0]['label']} ({rows[0]['probability']:.0%})"))


def _angle_plot(out_dir: Path, data: dict, metrics: dict) -> None:
    path = out_dir / "pose" / "angles.csv"
    if not path.is_file():
        return
    angles = pd.read_csv(path)
    names = [c for c in angles.columns if c not in ("frame", "time_s", "person_id")]
    keep = _thin(len(angles))
    # shown at first: the angles that move most among those seen in most frames (a joint seen in a few frames
    # swings wildly and says little)
    seen = {n: int(angles[n].notna().sum()) for n in names}
    steady = [n for n in names if seen[n] >= 0.6 * max(seen.values(), default=0) and seen[n] > 1]
    shown = sorted(steady, key=lambda n: -float(np.nanstd(angles[n])))[:DEFAULT_ANGLES]
    data["plots"].append({
        "id": "angles", "title": "Joint and segment angles", "unit": "°",
        "t": _clean(angles["time_s"].to_numpy(float)[keep]),
        "lines": [{"name": n, "values": _clean(angles[n].to_numpy(float)[keep]), "visible": n in shown}
                  for n in names],
        "bands": [], "source": "pose/angles.csv",
    })
    stats = metrics.get("angles") or {}
    data["tables"].append({
        "title": "Angles over the clip (°)", "columns": ["angle", "min", "max", "mean", "frames"],
        "rows": [{"angle": n, **{k: v for k, v in s.items()}} for n, s in stats.items() if s.get("frames")],
    })


def _action_timeline(out_dir: Path, data: dict, metrics: dict) -> None:
    """Actions found along the video: each class's score over time with the segments shaded and labelled,
    and a table of segments whose rows seek the video."""
    segments = pd.read_csv(out_dir / "action" / "segments.csv") if (out_dir / "action" / "segments.csv").is_file() \
        else pd.DataFrame(columns=["start_s", "end_s", "label", "score"])
    data["facts"].append(("actions found", len(segments)))
    scores_path = out_dir / "action" / "scores.csv"
    if scores_path.is_file():
        scores = pd.read_csv(scores_path)
        keep = _thin(len(scores))
        classes = [c for c in metrics.get("classes", []) if c in scores.columns]
        found = set(segments["label"])
        data["plots"].append({
            "id": "actions", "title": "Actions: score of each class, the segments found shaded", "unit": "",
            "ylim": [0, 1],
            "t": _clean(scores["time_s"].to_numpy(float)[keep]),
            "lines": [{"name": c, "values": _clean(scores[c].to_numpy(float)[keep]), "visible": c in found}
                      for c in classes],
            "bands": [{"t0": float(r.start_s), "t1": float(r.end_s), "label": str(r.label)}
                      for r in segments.itertuples()],
            "source": "action/scores.csv",
        })
    if len(segments):
        rows = [{"action": k + 1, "label": r.label, "start_s": float(r.start_s), "end_s": float(r.end_s),
                 "duration_s": round(float(r.end_s) - float(r.start_s), 3), "score": float(r.score)}
                for k, r in enumerate(segments.itertuples())]
        data["tables"].append({"title": "Actions along the video", "seek": "start_s",
                               "columns": ["action", "label", "start_s", "end_s", "duration_s", "score"],
                               "rows": rows})
        counts = segments["label"].value_counts()
        data["facts"].append(("most frequent", f"{counts.index[0]} ({int(counts.iloc[0])})"))


def _reps_parts(out_dir: Path, data: dict, summary: Summary) -> None:
    m = summary.metrics
    data["facts"].append(("repetitions", m.get("count")))
    if m.get("period_s"):
        data["facts"].append(("period", f"{m['period_s']} s"))
    reps = m.get("reps") or []
    bands = [{"t0": r["start_s"], "t1": r["end_s"], "label": str(k + 1)} for k, r in enumerate(reps)]
    curve = m.get("driving_curve")
    angles = out_dir / "pose" / "angles.csv"
    if curve and angles.is_file():
        t = pd.read_csv(angles, usecols=["time_s"])["time_s"].to_numpy(float)
        keep = _thin(len(t))
        unit = "°" if m.get("driving_unit") == "deg" else (m.get("driving_unit") or "")
        data["plots"].append({
            "id": "reps", "title": f"Repetitions: {m.get('driving_signal')} with each repetition shaded",
            "unit": unit, "t": _clean(t[keep]),
            "lines": [{"name": m.get("driving_signal"), "values": _clean(np.asarray(curve, float)[keep]),
                       "visible": True}],
            "bands": bands, "source": "reps/reps.csv",
        })
    elif bands and data["plots"]:
        data["plots"][0]["bands"] = bands
    if reps:
        columns = ["rep", *reps[0].keys()]
        data["tables"].append({"title": "Per repetition", "columns": columns, "seek": "start_s",
                               "rows": [{"rep": k + 1, **r} for k, r in enumerate(reps)]})
    form = m.get("form")
    if form:
        data["tables"].append({"title": "Form rules", "columns": ["rule", *next(iter(form.values())).keys()],
                               "rows": [{"rule": k, **v} for k, v in form.items()]})


def _ball_plots(out_dir: Path, data: dict, metrics: dict) -> None:
    track = pd.read_csv(out_dir / "ball" / "track.csv")
    t = track["time_s"].to_numpy(float)
    x, y = track["x"].to_numpy(float), track["y"].to_numpy(float)
    height_px = metrics["height"] - y
    keep = _thin(len(t))
    bands = []
    rallies_csv = out_dir / "ball" / "rallies.csv"
    if rallies_csv.is_file():  # rallies shaded on both ball plots
        bands = [{"t0": float(r.start_s), "t1": float(r.end_s), "label": str(int(r.rally))}
                 for r in pd.read_csv(rallies_csv).itertuples()]
    common = {"t": _clean(t[keep]), "bands": bands, "source": "ball/track.csv"}
    data["plots"].append({"id": "ball-height", "title": "Ball height above the frame's bottom edge", "unit": "px",
                          "lines": [{"name": "height", "values": _clean(height_px[keep]), "visible": True}], **common})
    # the analytics' speed (not averaged across gaps or hits), in m/s too when a court was given
    speed = pd.read_csv(out_dir / "ball" / "speed.csv")
    lines = [{"name": "speed px/s", "values": _clean(speed["speed_px_s"].to_numpy(float)[keep]), "visible": True}]
    unit, title = "px/s", "Ball speed in the image (rallies shaded)"
    if "speed_mps" in speed:
        lines = [{"name": "speed m/s", "values": _clean(speed["speed_mps"].to_numpy(float)[keep]), "visible": True}]
        unit, title = "m/s", "Ball speed on the court plane (rallies shaded)"
    data["plots"].append({"id": "ball-speed", "title": title, "unit": unit, "lines": lines,
                          **{**common, "source": "ball/speed.csv"}})
    data["ball"] = {"t": _clean(t[keep]), "x": _clean(x[keep]), "y": _clean(y[keep]),
                    "width": metrics["width"], "height": metrics["height"]}


def _ball_tables(out_dir: Path, data: dict) -> None:
    """The shots (hits, bounces) and rallies of the ball analytics, each row seeking the video."""
    shots, rallies = out_dir / "ball" / "shots.csv", out_dir / "ball" / "rallies.csv"
    if rallies.is_file():
        table = pd.read_csv(rallies)
        columns = [c for c in ("rally", "start_s", "end_s", "duration_s", "shots", "bounces", "max_speed_px_s",
                               "max_speed_mps") if c in table]
        data["tables"].append({"title": "Ball: rallies", "columns": columns, "seek": "start_s",
                               "rows": table[columns].to_dict("records")})
    if shots.is_file():
        table = pd.read_csv(shots)
        table["start_s"] = table["time_s"]
        columns = [c for c in ("shot", "time_s", "kind", "rally", "turn_deg", "speed_out_px_s", "court_x_m",
                               "court_y_m") if c in table]
        rows = [{k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in r.items()}
                for r in table[[*columns, "start_s"]].to_dict("records")]
        data["tables"].append({"title": "Ball: shots", "columns": columns, "seek": "start_s", "rows": rows})


def _action_card(data: dict) -> dict:
    model = (data.get("options") or {}).get("action_model")
    if not model:
        return {}
    try:
        from sportlens.action.pipeline import load_action_model

        card = load_action_model(model).card
    except Exception:  # the card is shown when it can be read; the predictions are already written
        return {"path": model}
    keep = ("model", "classes", "frames", "data", "split", "metrics", "command", "created_utc")
    return {"path": model, **{k: card[k] for k in keep if k in card}}


def _imu_parts(out_dir: Path, source: Path, summary: Summary, data: dict, done: dict) -> None:
    rec = summary.metrics.get("recording") or {}
    data["facts"] += [(k.replace("_", " "), v) for k, v in rec.items() if isinstance(v, (int, float, str))][:6]
    for name, run in done.items():
        m = run.summary.metrics
        for key, value in m.items():
            if key == "recording":
                continue
            if isinstance(value, dict):
                scalars = {k: v for k, v in value.items() if not isinstance(v, (list, dict))}
                if scalars:
                    data["tables"].append({"title": name if key == name else f"{name}: {key}", "columns": list(scalars),
                                           "rows": [scalars]})
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                data["tables"].append({"title": f"{name}: {key}", "columns": list(value[0]), "rows": value})
            elif not isinstance(value, (list, dict)):
                data["facts"].append((f"{name} {key}".replace("_", " "), value))
        data["images"] += [f"{name}/{p.name}" for p in sorted((out_dir / name).glob("*.png"))]


def _imu_plots(rec, data: dict, done: dict) -> None:
    """The recording itself as interactive curves (|acc| and |gyro|, axes one click away) with the events the
    IMU tasks found as labelled spans: repetitions and jump flights on the acceleration, strokes on the gyro."""
    t = np.asarray(rec.time_s, float)
    keep = _thin(len(t))

    def lines(values, unit_name: str) -> list[dict]:
        values = np.asarray(values, float)
        out = [{"name": f"|{unit_name}|", "values": _clean(np.linalg.norm(values, axis=1)[keep]), "visible": True}]
        out += [{"name": f"{unit_name} {axis}", "values": _clean(values[keep, k]), "visible": False}
                for k, axis in enumerate("xyz")]
        return out

    acc_bands: list[dict] = []
    reps = done.get("reps")
    if reps is not None:
        found = reps.summary.metrics.get("reps") or {}
        half = float(found.get("period_s") or 0) / 2
        acc_bands += [{"t0": round(ts - half, 3), "t1": round(ts + half, 3), "label": str(k)}
                      for k, ts in enumerate(found.get("times_s") or [], 1)]
    jumps = done.get("jumps")
    if jumps is not None:
        acc_bands += [{"t0": j["takeoff_s"], "t1": j["landing_s"], "label": f"jump {k}"}
                      for k, j in enumerate(jumps.summary.metrics.get("jumps") or [], 1)]
    t_keep = _clean(t[keep])
    if rec.acc_mps2 is not None:
        data["plots"].append({"id": "imu-acc", "title": "Acceleration", "unit": "m/s²", "t": t_keep,
                              "lines": lines(rec.acc_mps2, "acc"), "bands": acc_bands, "source": None})
    if rec.gyro_rads is not None:
        strokes = done.get("strokes")
        bands = [] if strokes is None else [
            {"t0": st["start_s"], "t1": st["end_s"], "label": str(k)}
            for k, st in enumerate(strokes.summary.metrics.get("strokes") or [], 1)]
        data["plots"].append({"id": "imu-gyro", "title": "Angular speed", "unit": "rad/s", "t": t_keep,
                              "lines": lines(rec.gyro_rads, "gyro"), "bands": bands, "source": None})


def _photo_parts(out_dir: Path, data: dict, done: dict) -> None:
    pose = done.get("pose")
    if pose is None:
        return
    m = pose.summary.metrics
    data["models"].append({"task": "pose", "model": m.get("model"), "details": {}})
    data["facts"] += [(k.replace("_", " "), v) for k, v in m.items() if isinstance(v, (int, float, str))][:6]
    data["images"] += [_rel(out_dir, p) for p in sorted((out_dir / "pose").rglob("*.jpg"))[:24]]
    data["images"] += [_rel(out_dir, p) for p in sorted((out_dir / "pose").rglob("*.png"))[:24]]


def _outputs(out_dir: Path) -> list[dict]:
    """Every file the run wrote (a crowded folder once), with its size; summary.json comes last, written after."""
    rows = []

    def walk(folder: Path) -> None:
        entries = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
        for entry in entries:
            if entry.is_dir():
                files = [p for p in entry.iterdir() if p.is_file()]
                if len(files) > FOLDER_LISTING_LIMIT:
                    inside = [p for p in entry.rglob("*") if p.is_file()]
                    rows.append({"path": _rel(out_dir, entry) + "/", "bytes": sum(p.stat().st_size for p in inside),
                                 "files": len(inside)})
                else:
                    walk(entry)
            elif entry.name != REPORT_FILE:
                rows.append({"path": _rel(out_dir, entry), "bytes": entry.stat().st_size})

    walk(out_dir)
    rows.append({"path": "summary.json", "bytes": None})
    return rows


def embed_json(data: Any) -> str:
    """JSON safe inside <script>: every `<` escaped, so nothing in it can close the element early."""
    return json.dumps(data, allow_nan=False, separators=(",", ":"), default=str).replace("<", "\\u003c")


def render_page(data: dict) -> str:
    title = html.escape(f"sportlens analyze: {data['title']}")
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{title}</title><style>{PAGE_STYLE}</style></head>\n<body>\n"
        f"<script type=\"application/json\" id=\"report-data\">{embed_json(data)}</script>\n"
        "<div id=\"app\"><p>Loading the report… (it needs JavaScript)</p></div>\n"
        f"<script>{PAGE_SCRIPT}</script>\n</body></html>\n"
    )


def write_report(out_dir: Path, source: Path, kind: str, summary: Summary, runs: list, recording=None) -> Path:
    """Write out_dir/report.html (atomically) and return its path."""
    return write_text(out_dir / REPORT_FILE,
                      render_page(report_data(out_dir, source, kind, summary, runs, recording)))


def read_report_data(path: str | Path) -> dict:
    """The JSON embedded in a report.html (tests, scripts)."""
    text = Path(path).read_text(encoding="utf-8")
    start = text.index('id="report-data">') + len('id="report-data">')
    end = text.index("</script>", start)
    return json.loads(text[start:end])
