//! `report.pdf`: A4 pages with embedded DejaVu Sans subsets (`font.rs`) and vector charts;
//! the text stays extractable (`pdftotext`) and searchable.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::font::{face, Embed};
use crate::view::{HealthRow, ReportView};

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 50.0;
const ROW_H: f32 = 16.0;
/// A table cell's type size, and how far each further line of a cell sits below the first.
const CELL_SIZE: f32 = 9.5;
const LINE_H: f32 = 11.0;
const ACCENT: [f32; 3] = [0.784, 0.063, 0.18];
const HEADER_BG: [f32; 3] = [0.91, 0.91, 0.91];
const ZEBRA_BG: [f32; 3] = [0.97, 0.97, 0.97];
const GRAY: [f32; 3] = [0.35, 0.35, 0.35];
const BLACK: [f32; 3] = [0.1, 0.1, 0.1];

enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        color: [f32; 3],
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: [f32; 3],
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        color: [f32; 3],
    },
    /// An open polyline; `dash` draws it dashed (thresholds).
    Path {
        points: Vec<(f32, f32)>,
        color: [f32; 3],
        width: f32,
        dash: bool,
    },
}

/// A column of a table: left edge, width, and whether its text is right-aligned.
struct Col<'a> {
    header: &'a str,
    x: f32,
    w: f32,
    right: bool,
}

impl Col<'_> {
    /// `text` as the lines this column shows it in: one, or two when a left-aligned text is
    /// too long (cut after a space, `.`, `_`, `/` or `-` where it can be), the second
    /// shortened with an ellipsis if it still does not fit.
    fn lines(&self, text: &str, bold: bool) -> Vec<String> {
        let max = self.w - 8.0;
        if self.right || width(text, CELL_SIZE, bold) <= max {
            return vec![fit(text, max, CELL_SIZE, bold)];
        }
        let fits = |t: &str| width(t, CELL_SIZE, bold) <= max;
        // The longest head that fits, ending where a break reads well; else any head that fits.
        let ends: Vec<usize> = text.char_indices().map(|(i, c)| i + c.len_utf8()).collect();
        let at_break = |e: usize| {
            let c = text[..e].chars().next_back();
            matches!(c, Some(' ' | '.' | '_' | '/' | '-')) && fits(text[..e].trim_end())
        };
        let cut = ends
            .iter()
            .rev()
            .copied()
            .find(|&e| at_break(e))
            .or_else(|| {
                ends.iter()
                    .copied()
                    .take_while(|&e| fits(&text[..e]))
                    .last()
            })
            .unwrap_or(0);
        let (head, rest) = text.split_at(cut);
        vec![
            head.trim_end().to_owned(),
            fit(rest.trim_start(), max, CELL_SIZE, bold),
        ]
    }
}

/// The height of a table row whose cells hold these lines.
fn row_height(lines: &[Vec<String>]) -> f32 {
    let n = lines.iter().map(Vec::len).max().unwrap_or(1).max(1);
    ROW_H + (n - 1) as f32 * LINE_H
}

/// Pages of drawing operations with a cursor that moves down and breaks pages.
struct Layout {
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Layout {
    fn new() -> Self {
        Self {
            pages: vec![Vec::new()],
            y: PAGE_H - MARGIN,
        }
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("a layout always has a page")
    }

    /// Starts a new page unless `height` still fits above the footer.
    fn need(&mut self, height: f32) {
        if self.y - height < MARGIN + 20.0 {
            self.pages.push(Vec::new());
            self.y = PAGE_H - MARGIN;
        }
    }

    fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, color: [f32; 3], text: &str) {
        self.ops().push(Op::Text {
            x,
            y,
            size,
            bold,
            color,
            text: text.to_owned(),
        });
    }

    fn heading(&mut self, text: &str) {
        self.need(40.0 + ROW_H * 2.0);
        self.y -= 26.0;
        self.text(MARGIN, self.y, 13.0, true, BLACK, text);
        self.y -= 5.0;
        let y = self.y;
        self.ops().push(Op::Line {
            x1: MARGIN,
            y1: y,
            x2: PAGE_W - MARGIN,
            y2: y,
            color: ACCENT,
        });
        self.y -= 6.0;
    }

    /// A table whose header (if any) repeats on each page it spans. A left-aligned cell too
    /// long for its column goes on to a second line (its row grows); a right-aligned one (a
    /// number or a time) stays on one line.
    fn table(&mut self, cols: &[Col<'_>], rows: &[Vec<String>]) {
        let has_header = cols.iter().any(|c| !c.header.is_empty());
        let header = |l: &mut Layout| {
            if !has_header {
                return;
            }
            let lines: Vec<Vec<String>> = cols.iter().map(|c| c.lines(c.header, true)).collect();
            l.row(cols, &lines, true, Some(HEADER_BG));
        };
        header(self);
        for (i, row) in rows.iter().enumerate() {
            let lines: Vec<Vec<String>> = cols
                .iter()
                .zip(row)
                .map(|(c, text)| c.lines(text, false))
                .collect();
            if self.y - row_height(&lines) < MARGIN + 20.0 {
                self.need(ROW_H * 2.0 + LINE_H);
                header(self);
            }
            self.row(cols, &lines, false, (i % 2 == 1).then_some(ZEBRA_BG));
        }
    }

    /// One row of a table, as tall as its cell with the most lines.
    fn row(&mut self, cols: &[Col<'_>], lines: &[Vec<String>], bold: bool, bg: Option<[f32; 3]>) {
        let h = row_height(lines);
        if let Some(color) = bg {
            let y = self.y - h;
            self.ops().push(Op::Rect {
                x: MARGIN,
                y,
                w: PAGE_W - 2.0 * MARGIN,
                h,
                color,
            });
        }
        for (c, cell) in cols.iter().zip(lines) {
            for (k, text) in cell.iter().enumerate() {
                let x = if c.right {
                    c.x + c.w - 4.0 - width(text, CELL_SIZE, bold)
                } else {
                    c.x + 4.0
                };
                let y = self.y - ROW_H + 4.5 - k as f32 * LINE_H;
                self.text(x, y, CELL_SIZE, bold, BLACK, text);
            }
        }
        self.y -= h;
    }

    fn row_bg(&mut self, color: [f32; 3]) {
        let y = self.y - ROW_H;
        self.ops().push(Op::Rect {
            x: MARGIN,
            y,
            w: PAGE_W - 2.0 * MARGIN,
            h: ROW_H,
            color,
        });
    }

    fn cell(&mut self, c: &Col<'_>, text: &str, bold: bool) {
        let text = fit(text, c.w - 8.0, CELL_SIZE, bold);
        let x = if c.right {
            c.x + c.w - 4.0 - width(&text, CELL_SIZE, bold)
        } else {
            c.x + 4.0
        };
        self.text(x, self.y - ROW_H + 4.5, CELL_SIZE, bold, BLACK, &text);
    }

    /// Text wrapped at word boundaries to the page's width.
    fn paragraph(&mut self, text: &str, size: f32) {
        let max = PAGE_W - 2.0 * MARGIN;
        let mut line = String::new();
        let mut lines = Vec::new();
        // A unit ("%", "h") stays on the line of its number.
        let mut words: Vec<String> = Vec::new();
        for w in text.split_whitespace() {
            match words.last_mut() {
                Some(prev) if w.starts_with('%') => {
                    prev.push('\u{a0}');
                    prev.push_str(w);
                }
                _ => words.push(w.to_owned()),
            }
        }
        for word in &words {
            let word = word.as_str();
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if width(&candidate, size, false) > max && !line.is_empty() {
                lines.push(std::mem::replace(&mut line, word.to_owned()));
            } else {
                line = candidate;
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        for l in lines {
            self.need(size * 1.45);
            self.y -= size * 1.45;
            self.text(MARGIN, self.y, size, false, BLACK, &l);
        }
    }

    /// Code, text, count and downtime of alarms, or a sentence when there are none.
    fn alarm_table(&mut self, l: &crate::labels::Labels, rows: &[[String; 6]], empty: &str) {
        if rows.is_empty() {
            self.y -= 14.0;
            self.text(MARGIN, self.y, 10.0, false, GRAY, empty);
            return;
        }
        let full = PAGE_W - 2.0 * MARGIN;
        // Code, text (the rest of the width), severity, count, active time, downtime.
        let widths = [50.0, 0.0, 62.0, 46.0, 80.0, 68.0];
        let text_w = full - widths.iter().sum::<f32>();
        let headers = [l.code, l.alarm, l.severity, l.times, l.active, l.downtime];
        let mut x = MARGIN;
        let cols: Vec<Col<'_>> = headers
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (h, w))| {
                let w = if i == 1 { text_w } else { w };
                let c = Col {
                    header: h,
                    x,
                    w,
                    right: i >= 3,
                };
                x += w;
                c
            })
            .collect();
        let rows: Vec<Vec<String>> = rows.iter().map(|r| r.to_vec()).collect();
        self.table(&cols, &rows);
    }

    /// Bars of cycles per slot (day or hour), scaled to the busiest; `label_all` names every
    /// slot under its bar, otherwise only the first and the last.
    fn chart(&mut self, days: &[(String, u64)], label_all: bool) {
        let height = 130.0;
        self.need(height + 30.0);
        let (left, right) = (MARGIN + 30.0, PAGE_W - MARGIN);
        let base = self.y - height;
        let max = days.iter().map(|d| d.1).max().unwrap_or(0).max(1);
        let slot = (right - left) / days.len().max(1) as f32;
        self.ops().push(Op::Line {
            x1: left,
            y1: base,
            x2: right,
            y2: base,
            color: GRAY,
        });
        self.text(MARGIN, self.y - 8.0, 8.0, false, GRAY, &max.to_string());
        self.text(MARGIN, base, 8.0, false, GRAY, "0");
        for (i, (_, cycles)) in days.iter().enumerate() {
            let h = (height - 12.0) * *cycles as f32 / max as f32;
            let x = left + i as f32 * slot + slot * 0.15;
            self.ops().push(Op::Rect {
                x,
                y: base,
                w: slot * 0.7,
                h,
                color: ACCENT,
            });
            if days.len() <= 31 && *cycles > 0 {
                let label = cycles.to_string();
                let lx = x + slot * 0.35 - width(&label, 7.0, false) / 2.0;
                self.text(lx, base + h + 2.0, 7.0, false, GRAY, &label);
            }
        }
        if label_all {
            for (i, (name, _)) in days.iter().enumerate() {
                let cx = left + i as f32 * slot + slot * 0.5;
                let w = width(name, 7.0, false);
                self.text(cx - w / 2.0, base - 10.0, 7.0, false, GRAY, name);
            }
        } else if let (Some(first), Some(last)) = (days.first(), days.last()) {
            self.text(left, base - 11.0, 8.0, false, GRAY, &first.0);
            if days.len() > 1 {
                self.text(
                    right - width(&last.0, 8.0, false),
                    base - 11.0,
                    8.0,
                    false,
                    GRAY,
                    &last.0,
                );
            }
        }
        self.y = base - 16.0;
    }
}

const HEALTH_ROW_H: f32 = 30.0;
const TREND: [f32; 3] = [0.15, 0.3, 0.55];

impl Layout {
    /// Channel, threshold, highest daily p95, a trend chart of the daily p95 against the
    /// threshold, and the status; rows above their threshold in the accent colour.
    fn health_table(&mut self, l: &crate::labels::Labels, rows: &[HealthRow]) {
        let full = PAGE_W - 2.0 * MARGIN;
        let cols = [
            Col {
                header: l.channel,
                x: MARGIN,
                w: 178.0,
                right: false,
            },
            Col {
                header: l.limit,
                x: MARGIN + 178.0,
                w: 56.0,
                right: true,
            },
            Col {
                header: l.highest_p95,
                x: MARGIN + 234.0,
                w: 80.0,
                right: true,
            },
            Col {
                header: l.trend,
                x: MARGIN + 322.0,
                w: 100.0,
                right: false,
            },
            Col {
                header: l.status,
                x: MARGIN + 422.0,
                w: full - 422.0,
                right: true,
            },
        ];
        let header = |lay: &mut Layout| {
            lay.row_bg(HEADER_BG);
            for c in &cols {
                lay.cell(c, c.header, true);
            }
            lay.y -= ROW_H;
        };
        self.need(ROW_H + HEALTH_ROW_H);
        header(self);
        for (i, r) in rows.iter().enumerate() {
            if self.y - HEALTH_ROW_H < MARGIN + 20.0 {
                self.need(ROW_H + HEALTH_ROW_H * 2.0);
                header(self);
            }
            let top = self.y;
            let bottom = top - HEALTH_ROW_H;
            if i % 2 == 1 {
                self.ops().push(Op::Rect {
                    x: MARGIN,
                    y: bottom,
                    w: full,
                    h: HEALTH_ROW_H,
                    color: ZEBRA_BG,
                });
            }
            let text_y = bottom + HEALTH_ROW_H / 2.0 - 3.0;
            let color = if r.flagged { ACCENT } else { BLACK };
            for (c, text, bold) in [
                (&cols[0], &r.channel, false),
                (&cols[1], &r.limit, false),
                (&cols[2], &r.max_p95, r.flagged),
                (&cols[4], &r.status, r.flagged),
            ] {
                let t = fit(text, c.w - 8.0, 9.0, bold);
                let x = if c.right {
                    c.x + c.w - 4.0 - width(&t, 9.0, bold)
                } else {
                    c.x + 4.0
                };
                let col = if std::ptr::eq(c, &cols[0]) {
                    BLACK
                } else {
                    color
                };
                self.text(x, text_y, 9.0, bold, col, &t);
            }
            let chart = &cols[3];
            self.sparkline(
                r,
                chart.x + 4.0,
                bottom + 4.0,
                chart.w - 8.0,
                HEALTH_ROW_H - 8.0,
            );
            self.y = bottom;
        }
    }

    /// The daily p95 as a line (broken on days without data), the threshold dashed, and
    /// a marker on each day above it.
    fn sparkline(&mut self, r: &HealthRow, x: f32, y: f32, w: f32, h: f32) {
        let values = r.points.iter().flatten().copied().chain(r.threshold);
        let (mut lo, mut hi) = values.fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
        if lo > hi {
            return;
        }
        if hi - lo < 1e-9 {
            (lo, hi) = (lo - 1.0, hi + 1.0);
        }
        let pad = (hi - lo) * 0.08;
        (lo, hi) = (lo - pad, hi + pad);
        let n = r.points.len().max(1);
        let px = |i: usize| {
            if n == 1 {
                x + w / 2.0
            } else {
                x + w * i as f32 / (n - 1) as f32
            }
        };
        let py = |v: f64| y + h * ((v - lo) / (hi - lo)) as f32;
        self.ops().push(Op::Line {
            x1: x,
            y1: y,
            x2: x + w,
            y2: y,
            color: HEADER_BG,
        });
        if let Some(t) = r.threshold {
            self.ops().push(Op::Path {
                points: vec![(x, py(t)), (x + w, py(t))],
                color: ACCENT,
                width: 0.7,
                dash: true,
            });
        }
        let mut run: Vec<(f32, f32)> = Vec::new();
        let mut runs = Vec::new();
        for (i, p) in r.points.iter().enumerate() {
            match p {
                Some(v) => run.push((px(i), py(*v))),
                None => runs.push(std::mem::take(&mut run)),
            }
        }
        runs.push(run);
        for run in runs {
            match run.as_slice() {
                [] => {}
                [(cx, cy)] => self.ops().push(Op::Rect {
                    x: cx - 1.2,
                    y: cy - 1.2,
                    w: 2.4,
                    h: 2.4,
                    color: TREND,
                }),
                _ => self.ops().push(Op::Path {
                    points: run,
                    color: TREND,
                    width: 1.1,
                    dash: false,
                }),
            }
        }
        for (i, p) in r.points.iter().enumerate() {
            if let (Some(v), Some(t)) = (p, r.threshold) {
                if *v > t {
                    self.ops().push(Op::Rect {
                        x: px(i) - 1.8,
                        y: py(*v) - 1.8,
                        w: 3.6,
                        h: 3.6,
                        color: ACCENT,
                    });
                }
            }
        }
    }
}

/// Renders the PDF document.
pub fn render(v: &ReportView) -> Result<Vec<u8>, String> {
    let l = v.labels;
    let mut lay = Layout::new();
    lay.y -= 8.0;
    lay.text(MARGIN, lay.y, 20.0, true, BLACK, &v.title);
    lay.y -= 8.0;
    for (k, val) in &v.meta {
        lay.y -= 14.0;
        lay.text(MARGIN, lay.y, 10.0, true, GRAY, k);
        lay.text(MARGIN + 90.0, lay.y, 10.0, false, GRAY, val);
    }

    lay.y -= 22.0;
    lay.text(MARGIN, lay.y, 12.0, true, ACCENT, &v.headline);

    lay.heading(l.summary);
    lay.paragraph(&v.narrative, 10.0);

    lay.heading(l.totals);
    let totals: Vec<Vec<String>> = v
        .totals
        .iter()
        .map(|(k, val)| vec![(*k).to_owned(), val.clone()])
        .collect();
    // Wide labels (MTBF, completeness) need more room than their values.
    let label_w = (PAGE_W - 2.0 * MARGIN) * 0.74;
    lay.table(
        &[
            Col {
                header: "",
                x: MARGIN,
                w: label_w,
                right: false,
            },
            Col {
                header: "",
                x: MARGIN + label_w,
                w: PAGE_W - 2.0 * MARGIN - label_w,
                right: true,
            },
        ],
        &totals,
    );

    if let Some(hours) = &v.hourly_chart {
        lay.heading(l.cycles_per_hour);
        lay.y -= 6.0;
        lay.chart(hours, true);
    } else if !v.chart.is_empty() {
        lay.heading(l.cycles_per_day);
        lay.y -= 6.0;
        lay.chart(&v.chart, false);
    }

    lay.heading(l.per_day);
    let q = (PAGE_W - 2.0 * MARGIN) / 5.0;
    let day_cols = [
        Col {
            header: l.date,
            x: MARGIN,
            w: q,
            right: false,
        },
        Col {
            header: l.cycles,
            x: MARGIN + q,
            w: q,
            right: true,
        },
        Col {
            header: l.riders,
            x: MARGIN + 2.0 * q,
            w: q,
            right: true,
        },
        Col {
            header: l.availability,
            x: MARGIN + 3.0 * q,
            w: q,
            right: true,
        },
        Col {
            header: l.day_completeness,
            x: MARGIN + 4.0 * q,
            w: q,
            right: true,
        },
    ];
    let days: Vec<Vec<String>> = v.days.iter().map(|r| r.to_vec()).collect();
    lay.table(&day_cols, &days);

    lay.heading(l.top_alarms);
    lay.alarm_table(l, &v.alarms, l.no_alarms);
    lay.heading(l.top_alarms_by_downtime);
    lay.alarm_table(l, &v.alarms_by_downtime, l.no_downtime);

    lay.heading(l.anomalies);
    if v.anomalies.is_empty() {
        lay.y -= 14.0;
        lay.text(MARGIN, lay.y, 10.0, false, GRAY, l.no_anomalies);
    } else {
        // A ride report names its ride in the title; a park report needs the column.
        let first = usize::from(!v.anomalies_with_ride);
        let headers = &[l.ride, l.what, l.channel, l.times, l.first, l.worst][first..];
        let rows: Vec<Vec<String>> = v.anomalies.iter().map(|r| r[first..].to_vec()).collect();
        // Count, first seen and worst / limit are never cut: a cut number is a wrong one.
        let keep = &[false, false, false, true, true, true][first..];
        let right = &[false, false, false, true, false, true][first..];
        let widths = fitted_widths(headers, &rows, keep, PAGE_W - 2.0 * MARGIN);
        let mut x = MARGIN;
        let cols: Vec<Col<'_>> = headers
            .iter()
            .zip(widths)
            .zip(right)
            .map(|((header, w), right)| {
                let c = Col {
                    header,
                    x,
                    w,
                    right: *right,
                };
                x += w;
                c
            })
            .collect();
        lay.table(&cols, &rows);
    }

    for (i, g) in v.health.iter().enumerate() {
        if i == 0 {
            // Its own page: the section is read on its own, and a trend cut by a page
            // break is hard to follow.
            lay.pages.push(Vec::new());
            lay.y = PAGE_H - MARGIN + 26.0;
        }
        lay.heading(&g.title);
        if i == 0 {
            lay.paragraph(l.channel_health_note, 8.5);
            lay.y -= 4.0;
        }
        lay.health_table(l, &g.rows);
    }

    let n = lay.pages.len();
    for (i, page) in lay.pages.iter_mut().enumerate() {
        let footer = format!("{} {} / {n}", l.page, i + 1);
        let x = PAGE_W - MARGIN - width(&footer, 8.0, false);
        page.push(Op::Text {
            x: MARGIN,
            y: 30.0,
            size: 8.0,
            bold: false,
            color: GRAY,
            text: v.title.clone(),
        });
        page.push(Op::Text {
            x,
            y: 30.0,
            size: 8.0,
            bold: false,
            color: GRAY,
            text: footer,
        });
    }
    write_pdf(&lay.pages, &v.title)
}

fn write_pdf(pages: &[Vec<Op>], title: &str) -> Result<Vec<u8>, String> {
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    let page_ids: Vec<(Ref, Ref)> = (0..pages.len() as i32)
        .map(|i| (Ref::new(6 + 2 * i), Ref::new(7 + 2 * i)))
        .collect();
    let mut next = 6 + 2 * pages.len() as i32;

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_ids.iter().map(|p| p.0))
        .count(pages.len() as i32);
    // No dates in the info dictionary: the same input must give the same bytes.
    pdf.document_info(info)
        .title(TextStr(title))
        .producer(TextStr("Zamperla Ride Analytics reporter"));
    let mut fonts = [Embed::new(false), Embed::new(true)];
    for (ops, &(page_id, content_id)) in pages.iter().zip(&page_ids) {
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
        page.parent(tree);
        page.contents(content_id);
        page.resources()
            .fonts()
            .pair(Name(b"F1"), regular)
            .pair(Name(b"F2"), bold);
        page.finish();
        pdf.stream(content_id, &content(ops, &mut fonts));
    }
    let [r, b] = &fonts;
    r.write(&mut pdf, regular, &mut next)?;
    b.write(&mut pdf, bold, &mut next)?;
    Ok(pdf.finish())
}

fn content(ops: &[Op], fonts: &mut [Embed; 2]) -> Vec<u8> {
    let mut c = Content::new();
    for op in ops {
        match op {
            Op::Rect { x, y, w, h, color } => {
                c.set_fill_rgb(color[0], color[1], color[2]);
                c.rect(*x, *y, *w, *h);
                c.fill_nonzero();
            }
            Op::Line {
                x1,
                y1,
                x2,
                y2,
                color,
            } => {
                c.set_stroke_rgb(color[0], color[1], color[2]);
                c.set_line_width(0.8);
                c.move_to(*x1, *y1);
                c.line_to(*x2, *y2);
                c.stroke();
            }
            Op::Path {
                points,
                color,
                width,
                dash,
            } => {
                let Some((first, rest)) = points.split_first() else {
                    continue;
                };
                c.save_state();
                c.set_stroke_rgb(color[0], color[1], color[2]);
                c.set_line_width(*width);
                if *dash {
                    c.set_dash_pattern([3.0, 2.0], 0.0);
                }
                c.move_to(first.0, first.1);
                for p in rest {
                    c.line_to(p.0, p.1);
                }
                c.stroke();
                c.restore_state();
            }
            Op::Text {
                x,
                y,
                size,
                bold,
                color,
                text,
            } => {
                c.set_fill_rgb(color[0], color[1], color[2]);
                c.begin_text();
                c.set_font(Name(if *bold { b"F2" } else { b"F1" }), *size);
                c.next_line(*x, *y);
                c.show(Str(&fonts[usize::from(*bold)].encode(text)));
                c.end_text();
            }
        }
    }
    c.finish().to_vec()
}

/// Column widths for a table's text in `total` points. Each column is as wide as its widest
/// cell (the header in bold) when all fit, the room left given to the text columns. Otherwise
/// the `keep` columns (numbers, dates) keep their width and the text columns give up theirs,
/// widest first, down to a common width (their cells then take a second line).
fn fitted_widths(headers: &[&str], rows: &[Vec<String>], keep: &[bool], total: f32) -> Vec<f32> {
    // A cell's text is inset 4 points each side; half a point more against rounding.
    let natural: Vec<f32> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let widest = rows
                .iter()
                .filter_map(|r| r.get(i))
                .map(|t| width(t, CELL_SIZE, false))
                .fold(width(h, CELL_SIZE, true), f32::max);
            widest + 8.5
        })
        .collect();
    let text_cols = keep.iter().filter(|k| !**k).count().max(1) as f32;
    let spare = total - natural.iter().sum::<f32>();
    if spare >= 0.0 {
        return natural
            .iter()
            .zip(keep)
            .map(|(w, k)| if *k { *w } else { w + spare / text_cols })
            .collect();
    }
    let kept: f32 = natural
        .iter()
        .zip(keep)
        .filter(|(_, k)| **k)
        .map(|(w, _)| w)
        .sum();
    let mut texts: Vec<f32> = natural
        .iter()
        .zip(keep)
        .filter(|(_, k)| !**k)
        .map(|(w, _)| *w)
        .collect();
    texts.sort_by(f32::total_cmp);
    // The common width `cap` at which the text columns, each min(natural, cap), fill the room.
    let mut room = (total - kept).max(0.0);
    let mut cap = room / text_cols;
    for (i, w) in texts.iter().enumerate() {
        let left = (texts.len() - i) as f32;
        if w * left > room {
            cap = room / left;
            break;
        }
        room -= w;
    }
    natural
        .iter()
        .zip(keep)
        .map(|(w, k)| if *k { *w } else { w.min(cap) })
        .collect()
}

/// Width of text in points, from the embedded font's advances.
fn width(s: &str, size: f32, bold: bool) -> f32 {
    face(bold).width(s, size)
}

/// Shortens text with an ellipsis until it fits `max` points.
fn fit(s: &str, max: f32, size: f32, bold: bool) -> String {
    if width(s, size, bold) <= max {
        return s.to_owned();
    }
    let mut t: String = s.to_owned();
    while !t.is_empty() && width(&format!("{t}\u{2026}"), size, bold) > max {
        t.pop();
    }
    format!("{}\u{2026}", t.trim_end())
}
