//! `report.html`: one self-contained file (inline CSS and SVG, no external resources), so it
//! can be mailed or archived and still render the same.

use std::fmt::Write;

use crate::labels::Labels;
use crate::view::{HealthRow, ReportView};

const CSS: &str = "body{font-family:Helvetica,Arial,sans-serif;color:#1a1a1a;max-width:800px;margin:2em auto;padding:0 1em}\
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:2px solid #c8102e;padding-bottom:.2em}\
dl.meta{display:grid;grid-template-columns:max-content auto;gap:.2em 1em;color:#444}dl.meta dt{font-weight:bold}dl.meta dd{margin:0}\
table{border-collapse:collapse;width:100%}th,td{padding:.3em .6em;text-align:left}th{background:#eee}\
tr:nth-child(even) td{background:#f7f7f7}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\
p.headline{font-size:1.15em;font-weight:bold;color:#c8102e}svg{width:100%;height:auto}svg.spark{width:160px;height:32px;display:block}\
tr.flag td{color:#c8102e;font-weight:bold}p.note{color:#555;font-size:.9em}@media print{body{margin:0}}";

/// Renders the HTML document.
pub fn render(v: &ReportView) -> String {
    let mut h = String::new();
    let l = v.labels;
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<h1>{}</h1>\n<dl class=\"meta\">",
        v.lang,
        esc(&v.title),
        esc(&v.title)
    );
    for (k, val) in &v.meta {
        let _ = write!(h, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(val));
    }
    let _ = write!(
        h,
        "</dl>\n<p class=\"headline\">{}</p>\n<h2>{}</h2>\n<p class=\"summary\">{}</p>\n<h2>{}</h2>\n<table class=\"totals\">",
        esc(&v.headline),
        esc(l.summary),
        esc(&v.narrative),
        esc(l.totals)
    );
    for (k, val) in &v.totals {
        let _ = write!(
            h,
            "<tr><th>{}</th><td class=\"n\">{}</td></tr>",
            esc(k),
            esc(val)
        );
    }
    h.push_str("</table>\n");
    if let Some(hours) = &v.hourly_chart {
        let _ = write!(
            h,
            "<h2>{}</h2>\n{}",
            esc(l.cycles_per_hour),
            chart(hours, true)
        );
    } else if !v.chart.is_empty() {
        let _ = write!(
            h,
            "<h2>{}</h2>\n{}",
            esc(l.cycles_per_day),
            chart(&v.chart, false)
        );
    }
    let _ = write!(
        h,
        "<h2>{}</h2>\n<table><tr><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr>",
        esc(l.per_day),
        esc(l.date),
        esc(l.cycles),
        esc(l.riders),
        esc(l.availability),
        esc(l.day_completeness)
    );
    for [d, c, r, a, k] in &v.days {
        let _ = write!(h, "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>", esc(d), esc(c), esc(r), esc(a), esc(k));
    }
    h.push_str("</table>\n");
    alarm_table(&mut h, l, l.top_alarms, &v.alarms, l.no_alarms);
    alarm_table(
        &mut h,
        l,
        l.top_alarms_by_downtime,
        &v.alarms_by_downtime,
        l.no_downtime,
    );
    let _ = writeln!(h, "<h2>{}</h2>", esc(l.anomalies));
    if v.anomalies.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", esc(l.no_anomalies));
    } else {
        let skip = usize::from(!v.anomalies_with_ride);
        let headers = [l.ride, l.what, l.channel, l.times, l.first, l.worst];
        h.push_str("<table class=\"anomalies\"><tr>");
        for (i, t) in headers.iter().enumerate().skip(skip) {
            let class = if i == 3 || i == 5 { " class=\"n\"" } else { "" };
            let _ = write!(h, "<th{class}>{}</th>", esc(t));
        }
        h.push_str("</tr>");
        for row in &v.anomalies {
            h.push_str("<tr>");
            for (i, t) in row.iter().enumerate().skip(skip) {
                let class = if i == 3 || i == 5 { " class=\"n\"" } else { "" };
                let _ = write!(h, "<td{class}>{}</td>", esc(t));
            }
            h.push_str("</tr>");
        }
        h.push_str("</table>\n");
    }
    for (i, g) in v.health.iter().enumerate() {
        let _ = writeln!(h, "<h2 class=\"health\">{}</h2>", esc(&g.title));
        if i == 0 {
            let _ = writeln!(h, "<p class=\"note\">{}</p>", esc(l.channel_health_note));
        }
        let _ = write!(
            h,
            "<table class=\"health\"><tr><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th>{}</th><th class=\"n\">{}</th></tr>",
            esc(l.channel),
            esc(l.limit),
            esc(l.highest_p95),
            esc(l.trend),
            esc(l.status)
        );
        for r in &g.rows {
            let class = if r.flagged { " class=\"flag\"" } else { "" };
            let _ = write!(
                h,
                "<tr{class}><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
                esc(&r.channel),
                esc(&r.limit),
                esc(&r.max_p95),
                sparkline(r),
                esc(&r.status)
            );
        }
        h.push_str("</table>\n");
    }
    h.push_str("</body>\n</html>\n");
    h
}

fn alarm_table(h: &mut String, l: &Labels, title: &str, rows: &[[String; 6]], empty: &str) {
    let _ = writeln!(h, "<h2>{}</h2>", esc(title));
    if rows.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", esc(empty));
        return;
    }
    let _ = write!(
        h,
        "<table><tr><th>{}</th><th>{}</th><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr>",
        esc(l.code),
        esc(l.alarm),
        esc(l.severity),
        esc(l.times),
        esc(l.active),
        esc(l.downtime)
    );
    for [code, text, severity, count, active, down] in rows {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(code),
            esc(text),
            esc(severity),
            esc(count),
            esc(active),
            esc(down)
        );
    }
    h.push_str("</table>\n");
}

/// An inline SVG of a channel's daily p95 (a line broken on days without data), its
/// threshold (dashed) and a marker on each day above it.
fn sparkline(r: &HealthRow) -> String {
    let (w, hgt) = (160.0, 32.0);
    let values = r.points.iter().flatten().copied().chain(r.threshold);
    let (mut lo, mut hi) = values.fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
    if lo > hi {
        return String::new();
    }
    if hi - lo < 1e-9 {
        (lo, hi) = (lo - 1.0, hi + 1.0);
    }
    let pad = (hi - lo) * 0.08;
    (lo, hi) = (lo - pad, hi + pad);
    let n = r.points.len().max(1);
    let px = |i: usize| {
        if n == 1 {
            w / 2.0
        } else {
            2.0 + (w - 4.0) * i as f64 / (n - 1) as f64
        }
    };
    let py = |v: f64| hgt - 2.0 - (hgt - 4.0) * (v - lo) / (hi - lo);
    let mut s = format!(
        "<svg class=\"spark\" viewBox=\"0 0 {w} {hgt}\" width=\"{w}\" height=\"{hgt}\" role=\"img\">"
    );
    if let Some(t) = r.threshold {
        let _ = write!(
            s,
            "<line x1=\"0\" y1=\"{y:.1}\" x2=\"{w}\" y2=\"{y:.1}\" stroke=\"#c8102e\" stroke-dasharray=\"4 3\"/>",
            y = py(t)
        );
    }
    let mut run: Vec<(f64, f64)> = Vec::new();
    let flush = |s: &mut String, run: &mut Vec<(f64, f64)>| {
        match run.as_slice() {
            [] => {}
            [(x, y)] => {
                let _ = write!(
                    s,
                    "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"1.5\" fill=\"#26508c\"/>"
                );
            }
            points => {
                let points: Vec<String> = points
                    .iter()
                    .map(|(x, y)| format!("{x:.1},{y:.1}"))
                    .collect();
                let _ = write!(
                    s,
                    "<polyline points=\"{}\" fill=\"none\" stroke=\"#26508c\" stroke-width=\"1.5\"/>",
                    points.join(" ")
                );
            }
        }
        run.clear();
    };
    for (i, p) in r.points.iter().enumerate() {
        match p {
            Some(v) => run.push((px(i), py(*v))),
            None => flush(&mut s, &mut run),
        }
    }
    flush(&mut s, &mut run);
    for (i, p) in r.points.iter().enumerate() {
        if let (Some(v), Some(t)) = (p, r.threshold) {
            if *v > t {
                let _ = write!(
                    s,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\" fill=\"#c8102e\"/>",
                    px(i),
                    py(*v)
                );
            }
        }
    }
    s.push_str("</svg>");
    s
}

/// An inline SVG bar chart of cycles per day (or per hour, with `label_all`).
fn chart(days: &[(String, u64)], label_all: bool) -> String {
    let (w, hgt, pad) = (760.0, 180.0, 24.0);
    let max = days.iter().map(|d| d.1).max().unwrap_or(0).max(1) as f64;
    let slot = (w - 2.0 * pad) / days.len() as f64;
    let mut s = format!("<svg viewBox=\"0 0 {w} {hgt}\" role=\"img\">");
    let _ = write!(
        s,
        "<line x1=\"{pad}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#888\"/>",
        hgt - pad,
        w - pad,
        hgt - pad
    );
    let _ = write!(
        s,
        "<text x=\"0\" y=\"{}\" font-size=\"10\">{}</text>",
        pad - 8.0,
        max as u64
    );
    for (i, (date, cycles)) in days.iter().enumerate() {
        let bh = (hgt - 2.0 * pad) * *cycles as f64 / max;
        let x = pad + i as f64 * slot + slot * 0.1;
        let _ = write!(
            s,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"#c8102e\"><title>{}: {cycles}</title></rect>",
            hgt - pad - bh,
            slot * 0.8,
            esc(date)
        );
    }
    if label_all {
        for (i, (name, _)) in days.iter().enumerate() {
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\">{}</text>",
                pad + (i as f64 + 0.5) * slot,
                hgt - 6.0,
                esc(name)
            );
        }
    } else if let (Some(first), Some(last)) = (days.first(), days.last()) {
        let _ = write!(
            s,
            "<text x=\"{pad}\" y=\"{}\" font-size=\"10\">{}</text>",
            hgt - 6.0,
            esc(&first.0)
        );
        if days.len() > 1 {
            let _ = write!(
                s,
                "<text x=\"{}\" y=\"{}\" font-size=\"10\" text-anchor=\"end\">{}</text>",
                w - pad,
                hgt - 6.0,
                esc(&last.0)
            );
        }
    }
    s.push_str("</svg>\n");
    s
}

/// Escapes text for HTML element content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
