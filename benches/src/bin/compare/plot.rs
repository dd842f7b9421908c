//! SVG charts, written by hand (no dependency):
//!
//! - `ratios.svg`, the headline: every scheme's throughput ratio to crossbeam-epoch in every
//!   cell (structure × mix × threads): the median of the per-round ratios with their range, on
//!   a log scale, around a line at 1;
//! - `throughput-STRUCTURE-MIX.svg`: throughput against threads, one line per scheme, a
//!   whisker for each point's min–max;
//! - `PASS.svg` for the passes of one point (read side, grace period, unreclaimed, memory):
//!   one bar per row, its median, with a whisker for the min–max.
//!
//! Every chart draws crossbeam-epoch, the ratio baseline, in a style of its own (black and
//! dashed, hatched in bar charts) and names it as the baseline; its legend gives every
//! scheme's colour and says what the marks and whiskers are; its footer, `<desc>` and
//! `<metadata>` carry the run's context.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use benches::schemes::{Origin, RATIO_BASELINE};

use crate::context::Context;
use crate::report::{Cell, Verdict, num};
use crate::runner::{Results, Row};
use crate::svg::{HATCH, Shape, Svg, esc};

/// The headline chart's file name.
pub const RATIO_CHART: &str = "ratios.svg";

/// Draws every chart into `dir`; returns the files written.
pub fn write_svgs(
    dir: &Path,
    results: &Results,
    cells: &[Cell],
    context: &Context,
) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let looks = Looks::new(results);
    let mut charts: Vec<(String, String)> = Vec::new();
    let throughput: Vec<&Cell> = cells
        .iter()
        .filter(|c| c.point.pass.id == "throughput")
        .collect();
    if throughput.iter().any(|c| c.ratio.is_some()) {
        charts.push((
            RATIO_CHART.to_owned(),
            ratio_chart(results, &throughput, &looks, context),
        ));
    }
    let mut groups: Vec<(&'static str, &'static str)> = Vec::new();
    for c in &throughput {
        let g = (c.point.structure.id, c.point.mix.id);
        if !groups.contains(&g) {
            groups.push(g);
        }
    }
    for (structure, mix) in groups {
        let group: Vec<&Cell> = throughput
            .iter()
            .copied()
            .filter(|c| c.point.structure.id == structure && c.point.mix.id == mix)
            .collect();
        charts.push((
            format!("throughput-{structure}-{mix}.svg"),
            throughput_chart(results, &group, &looks, context),
        ));
    }
    for pass in ["read-side", "grace-period", "unreclaimed", "memory"] {
        let mine: Vec<&Cell> = cells.iter().filter(|c| c.point.pass.id == pass).collect();
        let one_point = mine
            .first()
            .is_some_and(|first| mine.iter().all(|c| c.point.key() == first.point.key()));
        if one_point {
            charts.push((
                format!("{pass}.svg"),
                bar_chart(results, &mine, &looks, context),
            ));
        }
    }
    let mut written = Vec::new();
    for (name, text) in charts {
        let path = dir.join(name);
        std::fs::write(&path, text)?;
        written.push(path);
    }
    Ok(written)
}

/// A qualitative palette (no greys: grey is for the floors, black for the baseline).
const COLORS: [&str; 16] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22",
    "#17becf", "#393b79", "#ad494a", "#637939", "#7b4173", "#e6550d", "#3182bd", "#31a354",
];
const BASELINE_COLOR: &str = "#000000";
const FLOOR_COLOR: &str = "#b0b0b0";
/// The baseline's line style: long dashes.
const BASELINE_DASH: &str = "stroke-dasharray=\"8 4\"";

/// How each row is drawn: a colour per scheme (its variants share it), a marker shape per
/// family (SRCU, GUS, epoch, peers), the baseline and the floors apart.
struct Looks {
    color: HashMap<String, &'static str>,
}

#[derive(Clone, Copy)]
struct Look {
    color: &'static str,
    shape: Shape,
    baseline: bool,
    /// A variant row (a direct read side): drawn paler than its scheme.
    variant: bool,
}

impl Looks {
    fn new(results: &Results) -> Self {
        let mut color = HashMap::new();
        let mut next = 0;
        for row in &results.rows {
            if row.origin == Origin::Baseline
                || row.scheme_id == RATIO_BASELINE
                || color.contains_key(&row.scheme_id)
            {
                continue;
            }
            color.insert(row.scheme_id.clone(), COLORS[next % COLORS.len()]);
            next += 1;
        }
        Self { color }
    }

    fn of(&self, row: &Row) -> Look {
        let baseline = row.scheme_id == RATIO_BASELINE;
        let floor = row.origin == Origin::Baseline;
        let color = if baseline {
            BASELINE_COLOR
        } else if floor {
            FLOOR_COLOR
        } else {
            self.color.get(&row.scheme_id).copied().unwrap_or("#444444")
        };
        let id = row.scheme_id.as_str();
        let shape = if id.starts_with("srcu") {
            Shape::Circle
        } else if id.starts_with("gus") {
            Shape::Square
        } else if id.starts_with("epoch") {
            Shape::Diamond
        } else if baseline || floor {
            Shape::Circle
        } else {
            Shape::Triangle
        };
        Look {
            color,
            shape,
            baseline,
            variant: row.id != row.scheme_id,
        }
    }
}

/// The name a legend gives a row: the baseline says it is one.
fn legend_name(row: &Row) -> String {
    if row.id == RATIO_BASELINE {
        format!("{} (the baseline)", row.name)
    } else {
        row.name.clone()
    }
}

/// The distinct rows of `cells`, in report order.
fn rows_of(cells: &[&Cell]) -> Vec<usize> {
    let mut rows = Vec::new();
    for c in cells {
        if !rows.contains(&c.row) {
            rows.push(c.row);
        }
    }
    rows
}

/// About `count` round tick values covering `[lo, hi]` of a linear axis.
fn linear_ticks(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    let span = (hi - lo).max(1e-12);
    let raw = span / count.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| span / s <= count as f64)
        .unwrap_or(10.0 * mag);
    let mut ticks = Vec::new();
    let mut t = (lo / step).ceil() * step;
    while t <= hi + step * 1e-9 {
        ticks.push(t);
        t += step;
    }
    ticks
}

/// Tick values of a log axis over `[lo, hi]`: 1-2-5 per decade, then finer steps where they
/// fit, none closer than `min_gap` (in natural-log units) to another.
fn log_ticks(lo: f64, hi: f64, min_gap: f64) -> Vec<f64> {
    let mut candidates = vec![1.0];
    for e in -3..=3 {
        for m in [1.0, 2.0, 5.0] {
            candidates.push(m * 10f64.powi(e));
        }
    }
    candidates.extend([0.5, 0.8, 1.25, 0.67, 1.5, 0.9, 1.1, 0.75, 3.0, 4.0]);
    let mut ticks: Vec<f64> = Vec::new();
    for t in candidates {
        let inside = t >= lo * 0.999 && t <= hi * 1.001;
        let apart = ticks.iter().all(|k| (k.ln() - t.ln()).abs() >= min_gap);
        if inside && apart {
            ticks.push(t);
        }
    }
    ticks.sort_by(f64::total_cmp);
    ticks
}

/// A tick label: no trailing zeros.
fn tick_label(t: f64) -> String {
    let s = format!("{t:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// `1.23x [1.10–1.31]`, or `-`.
fn ratio_text(cell: &Cell) -> String {
    match cell.ratio {
        Some(r) => format!("{}x [{}–{}]", num(r.median), num(r.min), num(r.max)),
        None => "-".to_owned(),
    }
}

/// The legend beside a chart, from `(x, y)` down: returns the y below it.
struct Legend<'a> {
    svg: &'a mut Svg,
    x: f64,
    y: f64,
}

impl Legend<'_> {
    fn heading(&mut self, text: &str) {
        self.y += 6.0;
        self.svg
            .text(self.x, self.y + 11.0, 12.0, "font-weight=\"bold\"", text);
        self.y += 18.0;
    }

    /// A line of explanation, wrapped at about 44 characters.
    fn note(&mut self, text: &str) {
        for line in wrap(text, 44) {
            self.svg
                .text(self.x, self.y + 10.0, 11.0, "fill=\"#333333\"", &line);
            self.y += 14.0;
        }
    }

    /// An entry: a sample drawn by `sample` at `(x, y_mid)`, then `label`.
    fn entry(&mut self, label: &str, sample: impl FnOnce(&mut Svg, f64, f64)) {
        let mid = self.y + 7.0;
        sample(self.svg, self.x, mid);
        let lines = wrap(label, 38);
        for (i, line) in lines.iter().enumerate() {
            self.svg
                .text(self.x + 34.0, mid + 4.0 + 13.0 * i as f64, 11.5, "", line);
        }
        self.y += 18.0 + 13.0 * (lines.len() as f64 - 1.0);
    }
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let line = lines.last_mut().expect("one line");
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(word.to_owned());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

/// The style of a row's line.
fn line_style(look: Look) -> String {
    if look.baseline {
        format!("stroke=\"{BASELINE_COLOR}\" stroke-width=\"2.5\" {BASELINE_DASH}")
    } else {
        format!("stroke=\"{}\" stroke-width=\"1.8\"", look.color)
    }
}

/// The scheme entries of a legend: a line (when `lines`), the marker, the name.
fn scheme_entries(
    legend: &mut Legend<'_>,
    results: &Results,
    rows: &[usize],
    looks: &Looks,
    lines: bool,
) {
    for &r in rows {
        let row = &results.rows[r];
        let look = looks.of(row);
        legend.entry(&legend_name(row), |svg, x, y| {
            if lines {
                svg.line(x, y, x + 26.0, y, &line_style(look));
            }
            svg.marker(look.shape, x + 13.0, y, 4.0, look.color, !look.baseline);
        });
    }
}

/// The headline: every scheme's throughput ratio to the baseline in every cell.
fn ratio_chart(results: &Results, cells: &[&Cell], looks: &Looks, context: &Context) -> String {
    let runs = results.settings.runs.max(1);
    let with_ratio: Vec<&Cell> = cells
        .iter()
        .copied()
        .filter(|c| c.ratio.is_some())
        .collect();
    let rows = rows_of(&with_ratio);
    // Panels: a row per structure, a column per mix (in report order).
    let mut structures: Vec<(&str, &str)> = Vec::new();
    let mut mixes: Vec<&str> = Vec::new();
    let mut threads: Vec<usize> = Vec::new();
    for c in cells {
        let s = (c.point.structure.id, c.point.structure.name);
        if !structures.contains(&s) {
            structures.push(s);
        }
        if !mixes.contains(&c.point.mix.id) {
            mixes.push(c.point.mix.id);
        }
        if !threads.contains(&c.point.threads) {
            threads.push(c.point.threads);
        }
    }
    threads.sort_unstable();
    let mut panels: Vec<Vec<(&str, &str)>> = Vec::new(); // per structure: (mix id, mix name)
    for (s, _) in &structures {
        let mut mine: Vec<(&str, &str)> = Vec::new();
        for c in cells.iter().filter(|c| c.point.structure.id == *s) {
            let m = (c.point.mix.id, c.point.mix.name);
            if !mine.contains(&m) {
                mine.push(m);
            }
        }
        panels.push(mine);
    }
    let columns = panels.iter().map(Vec::len).max().unwrap_or(1).max(1);

    // The shared log axis.
    let (mut lo, mut hi) = (1.0f64, 1.0f64);
    for c in &with_ratio {
        let r = c.ratio.expect("filtered");
        if r.min > 0.0 {
            lo = lo.min(r.min);
        }
        hi = hi.max(r.max);
    }
    let (lo, hi) = ((lo / 1.15).max(1e-3), (hi * 1.15).min(1e3));
    let panel_h = 220.0;
    // Tick labels at least 16 px apart.
    let ticks = log_ticks(lo, hi, 16.0 / panel_h * (hi.ln() - lo.ln()));

    let slot_w = (rows.len() as f64 * 7.0 + 16.0).max(60.0);
    let panel_w = slot_w * threads.len() as f64;
    let (left, top, gap_x, gap_y) = (60.0, 92.0, 44.0, 62.0);
    let legend_x = left + columns as f64 * (panel_w + gap_x) + 10.0;
    let width = legend_x + 300.0;
    let plot_bottom = top + structures.len() as f64 * (panel_h + gap_y);
    let footer = Svg::footer_lines(context, width) as f64;
    let mut svg = Svg::new(width, plot_bottom + 20.0 + 13.0 * footer);

    let title = format!(
        "Throughput ratio to {RATIO_BASELINE} (the baseline) per structure × mix × threads: \
         above 1 is better"
    );
    svg.text(left, 26.0, 17.0, "font-weight=\"bold\"", &title);
    svg.text(
        left,
        46.0,
        12.0,
        "fill=\"#333333\"",
        &format!(
            "Each mark: a scheme's median of its {runs} per-round ratios (its run i ÷ \
             {RATIO_BASELINE}'s run i, moments apart); whisker: their min–max. Filled: better or \
             worse in every round; hollow: a tie. Log scale."
        ),
    );
    svg.text(
        left,
        62.0,
        12.0,
        "fill=\"#333333\"",
        "The tables and throughput.csv give every figure (ratio_median, ratio_min, ratio_max, verdict).",
    );

    let y_of = |v: f64, y0: f64| {
        let v = v.clamp(lo, hi);
        y0 + panel_h - (v.ln() - lo.ln()) / (hi.ln() - lo.ln()) * panel_h
    };
    for (si, (structure, structure_name)) in structures.iter().enumerate() {
        for (mi, (mix, mix_name)) in panels[si].iter().enumerate() {
            let x0 = left + mi as f64 * (panel_w + gap_x);
            let y0 = top + si as f64 * (panel_h + gap_y);
            svg.open(&format!(
                "class=\"panel\" data-structure=\"{}\" data-mix=\"{}\"",
                esc(structure),
                esc(mix)
            ));
            svg.text(
                x0,
                y0 - 8.0,
                13.0,
                "font-weight=\"bold\"",
                &format!("{structure_name}, {mix_name}"),
            );
            svg.rect(
                x0,
                y0,
                panel_w,
                panel_h,
                "fill=\"#fafafa\" stroke=\"#999999\"",
            );
            for &t in &ticks {
                let y = y_of(t, y0);
                svg.line(x0, y, x0 + panel_w, y, "stroke=\"#e0e0e0\"");
                svg.text(
                    x0 - 4.0,
                    y + 4.0,
                    10.5,
                    "text-anchor=\"end\"",
                    &tick_label(t),
                );
            }
            let y1 = y_of(1.0, y0);
            svg.open("class=\"baseline-line\"");
            svg.title(&format!("1 = {RATIO_BASELINE}, the baseline"));
            svg.line(
                x0,
                y1,
                x0 + panel_w,
                y1,
                &format!("stroke=\"{BASELINE_COLOR}\" stroke-width=\"1.5\" {BASELINE_DASH}"),
            );
            svg.close();
            for (ti, &t) in threads.iter().enumerate() {
                let sx = x0 + ti as f64 * slot_w;
                if ti > 0 {
                    svg.line(sx, y0, sx, y0 + panel_h, "stroke=\"#cccccc\"");
                }
                svg.text(
                    sx + slot_w / 2.0,
                    y0 + panel_h + 14.0,
                    11.0,
                    "text-anchor=\"middle\"",
                    &format!("{t} thr"),
                );
                let here: Vec<&&Cell> = with_ratio
                    .iter()
                    .filter(|c| {
                        c.point.structure.id == *structure
                            && c.point.mix.id == *mix
                            && c.point.threads == t
                    })
                    .collect();
                if here.is_empty() {
                    continue;
                }
                svg.open(&format!(
                    "class=\"cell\" data-structure=\"{}\" data-mix=\"{}\" data-threads=\"{t}\"",
                    esc(structure),
                    esc(mix)
                ));
                for (ri, &r) in rows.iter().enumerate() {
                    let Some(cell) = here.iter().find(|c| c.row == r) else {
                        continue;
                    };
                    let ratio = cell.ratio.expect("filtered");
                    let row = &results.rows[r];
                    let look = looks.of(row);
                    let x = sx + 8.0 + (ri as f64 + 0.5) * (slot_w - 16.0) / rows.len() as f64;
                    svg.open(&format!(
                        "class=\"ratio\" data-scheme=\"{}\" data-median=\"{}\"",
                        esc(&row.id),
                        ratio.median
                    ));
                    svg.title(&format!(
                        "{}, {structure_name} {mix_name}, {t} threads: {} ({})",
                        row.name,
                        ratio_text(cell),
                        cell.verdict.word()
                    ));
                    svg.line(
                        x,
                        y_of(ratio.min, y0),
                        x,
                        y_of(ratio.max, y0),
                        &format!("stroke=\"{}\" stroke-width=\"1.5\"", look.color),
                    );
                    let decided = matches!(cell.verdict, Verdict::Better | Verdict::Worse);
                    svg.marker(
                        look.shape,
                        x,
                        y_of(ratio.median, y0),
                        3.2,
                        look.color,
                        decided,
                    );
                    svg.close();
                }
                svg.close();
            }
            svg.close();
        }
        // The axis name, once per row of panels.
        let y0 = top + si as f64 * (panel_h + gap_y);
        svg.text(
            16.0,
            y0 + panel_h / 2.0,
            11.0,
            &format!(
                "text-anchor=\"middle\" transform=\"rotate(-90 16 {})\"",
                y0 + panel_h / 2.0
            ),
            &format!("× {RATIO_BASELINE}"),
        );
    }

    svg.open("class=\"legend\"");
    let mut legend = Legend {
        svg: &mut svg,
        x: legend_x,
        y: top - 30.0,
    };
    legend.heading("Schemes (colour and marker)");
    scheme_entries(&mut legend, results, &rows, looks, false);
    legend.heading("Reading it");
    legend.entry(
        &format!("1 = {RATIO_BASELINE}, the baseline every ratio is taken against"),
        |svg, x, y| {
            svg.line(
                x,
                y,
                x + 26.0,
                y,
                &format!("stroke=\"{BASELINE_COLOR}\" stroke-width=\"1.5\" {BASELINE_DASH}"),
            )
        },
    );
    legend.entry(
        "median of the per-round ratios, better or worse in every round",
        |svg, x, y| svg.marker(Shape::Circle, x + 13.0, y, 3.5, "#555555", true),
    );
    legend.entry("hollow: a tie (the rounds disagree)", |svg, x, y| {
        svg.marker(Shape::Circle, x + 13.0, y, 3.5, "#555555", false)
    });
    legend.entry(
        &format!("whisker: min–max of the {runs} per-round ratios"),
        |svg, x, y| {
            svg.line(
                x + 13.0,
                y - 7.0,
                x + 13.0,
                y + 7.0,
                "stroke=\"#555555\" stroke-width=\"1.5\"",
            )
        },
    );
    legend.note(
        "Markers: circle SRCU, square GUS, diamond epoch, triangle peers. Marks beyond the axis \
         sit on its edge.",
    );
    let legend_end = legend.y;
    svg.close();
    // As tall as the plot or the legend, whichever ends lower, then the footer.
    let body_h = plot_bottom.max(legend_end + 10.0);
    svg.height = body_h + 20.0 + 13.0 * footer;
    svg.footer(context, body_h + 20.0);
    svg.finish(&title, context)
}

/// Throughput against threads for one structure and mix.
fn throughput_chart(
    results: &Results,
    group: &[&Cell],
    looks: &Looks,
    context: &Context,
) -> String {
    let runs = results.settings.runs.max(1);
    let point = group[0].point;
    let mut threads: Vec<usize> = group.iter().map(|c| c.point.threads).collect();
    threads.sort_unstable();
    threads.dedup();
    let rows = rows_of(group);
    let y_max = group
        .iter()
        .map(|c| c.value.max)
        .fold(0.0, f64::max)
        .max(1e-9)
        * 1.08;
    let ticks = linear_ticks(0.0, y_max, 8);
    let y_top = ticks.last().copied().unwrap_or(y_max).max(y_max);

    let (left, top, plot_w, plot_h) = (80.0, 70.0, 700.0, 420.0);
    let legend_x = left + plot_w + 30.0;
    let width = legend_x + 300.0;
    let plot_bottom = top + plot_h + 50.0;
    let footer = Svg::footer_lines(context, width) as f64;
    let mut svg = Svg::new(width, plot_bottom + 20.0 + 13.0 * footer);
    let title = format!(
        "{} {}: throughput (higher is better)",
        point.structure.name, point.mix.name
    );
    svg.text(left, 26.0, 17.0, "font-weight=\"bold\"", &title);
    svg.text(
        left,
        46.0,
        12.0,
        "fill=\"#333333\"",
        &format!(
            "Marker: median of {runs} interleaved runs; whisker: their min–max. \
             {RATIO_BASELINE}, the baseline, is black and dashed. ratios.svg shows the ratios."
        ),
    );
    let slot = plot_w / threads.len() as f64;
    let x_of =
        |t: usize| left + slot * (threads.iter().position(|&x| x == t).unwrap_or(0) as f64 + 0.5);
    let y_of = |v: f64| top + plot_h - v / y_top * plot_h;
    svg.rect(
        left,
        top,
        plot_w,
        plot_h,
        "fill=\"#fafafa\" stroke=\"#999999\"",
    );
    for &t in &ticks {
        let y = y_of(t);
        svg.line(left, y, left + plot_w, y, "stroke=\"#e0e0e0\"");
        svg.text(
            left - 6.0,
            y + 4.0,
            11.0,
            "text-anchor=\"end\"",
            &tick_label(t),
        );
    }
    for &t in &threads {
        svg.text(
            x_of(t),
            top + plot_h + 16.0,
            11.0,
            "text-anchor=\"middle\"",
            &t.to_string(),
        );
    }
    svg.text(
        left + plot_w / 2.0,
        top + plot_h + 36.0,
        12.0,
        "text-anchor=\"middle\"",
        "threads",
    );
    let mid = top + plot_h / 2.0;
    svg.text(
        22.0,
        mid,
        12.0,
        &format!("text-anchor=\"middle\" transform=\"rotate(-90 22 {mid})\""),
        point.pass.unit,
    );
    // The baseline last, so that it is drawn on top.
    let mut order: Vec<usize> = rows.clone();
    order.sort_by_key(|&r| results.rows[r].id == RATIO_BASELINE);
    for &r in &order {
        let i = rows.iter().position(|&x| x == r).unwrap_or(0);
        let row = &results.rows[r];
        let look = looks.of(row);
        let mut mine: Vec<&&Cell> = group.iter().filter(|c| c.row == r).collect();
        mine.sort_by_key(|c| c.point.threads);
        svg.open(&format!(
            "class=\"{}\" data-scheme=\"{}\"",
            if look.baseline {
                "series baseline"
            } else {
                "series"
            },
            esc(&row.id)
        ));
        svg.title(&legend_name(row));
        let nudge = (i as f64 - (rows.len() as f64 - 1.0) / 2.0) * (slot * 0.4 / rows.len() as f64);
        for c in &mine {
            let x = x_of(c.point.threads) + nudge;
            svg.line(
                x,
                y_of(c.value.min),
                x,
                y_of(c.value.max),
                &format!("stroke=\"{}\" stroke-opacity=\"0.6\"", look.color),
            );
        }
        let line: Vec<(f64, f64)> = mine
            .iter()
            .map(|c| (x_of(c.point.threads) + nudge, y_of(c.value.median)))
            .collect();
        svg.polyline(&line, &line_style(look));
        for &(x, y) in &line {
            svg.marker(look.shape, x, y, 3.2, look.color, !look.baseline);
        }
        svg.close();
    }
    svg.open("class=\"legend\"");
    let mut legend = Legend {
        svg: &mut svg,
        x: legend_x,
        y: top - 10.0,
    };
    legend.heading("Schemes");
    scheme_entries(&mut legend, results, &rows, looks, true);
    legend.heading("Reading it");
    legend.entry(
        &format!("marker: the median of {runs} interleaved runs"),
        |svg, x, y| svg.marker(Shape::Circle, x + 13.0, y, 3.5, "#555555", true),
    );
    legend.entry("whisker: their min–max", |svg, x, y| {
        svg.line(x + 13.0, y - 7.0, x + 13.0, y + 7.0, "stroke=\"#555555\"")
    });
    legend.note("Whiskers are set side by side so that they do not hide each other.");
    let legend_end = legend.y;
    svg.close();
    // As tall as the plot or the legend, whichever ends lower, then the footer.
    let body_h = plot_bottom.max(legend_end + 10.0);
    svg.height = body_h + 20.0 + 13.0 * footer;
    svg.footer(context, body_h + 20.0);
    svg.finish(&title, context)
}

/// One bar per row of a one-point pass (the read side: every scheme, its direct read sides and
/// the floors).
fn bar_chart(results: &Results, cells: &[&Cell], looks: &Looks, context: &Context) -> String {
    let runs = results.settings.runs.max(1);
    let pass = cells[0].point.pass;
    let n_rows = cells.len();
    let x_max = cells
        .iter()
        .map(|c| c.value.max)
        .fold(0.0, f64::max)
        .max(1e-9)
        * 1.05;
    let ticks = linear_ticks(0.0, x_max, 8);
    let x_top = ticks.last().copied().unwrap_or(x_max).max(x_max);
    let (left, top, plot_w, bar_h) = (300.0, 78.0, 480.0, 24.0);
    let plot_h = bar_h * n_rows as f64;
    let legend_x = left + plot_w + 150.0;
    let width = legend_x + 300.0;
    let schemes: Vec<usize> = rows_of(cells)
        .into_iter()
        .filter(|&r| {
            let row = &results.rows[r];
            row.origin != Origin::Baseline && row.id == row.scheme_id
        })
        .collect();
    let plot_bottom = top + plot_h + 50.0;
    let footer = Svg::footer_lines(context, width) as f64;
    let mut svg = Svg::new(width, plot_bottom + 20.0 + 13.0 * footer);
    svg.define_hatch();
    let title = format!("{} ({} is better)", pass.title, pass.better.word());
    svg.text(20.0, 26.0, 17.0, "font-weight=\"bold\"", &title);
    svg.text(
        20.0,
        46.0,
        12.0,
        "fill=\"#333333\"",
        &format!(
            "Bar: median of {runs} interleaved runs; whisker: their min–max; the figure after it: \
             the median and its ratio to {RATIO_BASELINE} (hatched, the baseline)."
        ),
    );
    let x_of = |v: f64| left + v / x_top * plot_w;
    svg.rect(
        left,
        top,
        plot_w,
        plot_h,
        "fill=\"#fafafa\" stroke=\"#999999\"",
    );
    for &t in &ticks {
        let x = x_of(t);
        svg.line(x, top, x, top + plot_h, "stroke=\"#e0e0e0\"");
        svg.text(
            x,
            top + plot_h + 16.0,
            11.0,
            "text-anchor=\"middle\"",
            &tick_label(t),
        );
    }
    svg.text(
        left + plot_w / 2.0,
        top + plot_h + 36.0,
        12.0,
        "text-anchor=\"middle\"",
        pass.unit,
    );
    let mut baseline_median = None;
    for (i, cell) in cells.iter().enumerate() {
        let row = &results.rows[cell.row];
        let look = looks.of(row);
        let y = top + bar_h * i as f64;
        let (fill, stroke) = if look.baseline {
            if !look.variant {
                baseline_median = Some(cell.value.median);
            }
            (
                HATCH.to_owned(),
                format!("stroke=\"{BASELINE_COLOR}\" stroke-width=\"1.5\""),
            )
        } else if look.variant {
            (
                look.color.to_owned(),
                format!("fill-opacity=\"0.45\" stroke=\"{}\"", look.color),
            )
        } else {
            (look.color.to_owned(), "stroke=\"none\"".to_owned())
        };
        svg.open(&format!(
            "class=\"{}\" data-scheme=\"{}\"",
            if look.baseline { "bar baseline" } else { "bar" },
            esc(&row.id)
        ));
        svg.title(&format!(
            "{}: {} {} [{}–{}]",
            legend_name(row),
            num(cell.value.median),
            pass.unit,
            num(cell.value.min),
            num(cell.value.max)
        ));
        let label = if look.baseline && !look.variant {
            legend_name(row)
        } else {
            row.name.clone()
        };
        svg.text(
            left - 8.0,
            y + bar_h / 2.0 + 4.0,
            11.5,
            "text-anchor=\"end\"",
            &label,
        );
        svg.rect(
            left,
            y + 4.0,
            x_of(cell.value.median) - left,
            bar_h - 8.0,
            &format!("fill=\"{fill}\" {stroke}"),
        );
        let ym = y + bar_h / 2.0;
        let (x1, x2) = (x_of(cell.value.min), x_of(cell.value.max));
        svg.line(x1, ym, x2, ym, "stroke=\"#000000\"");
        svg.line(x1, ym - 4.0, x1, ym + 4.0, "stroke=\"#000000\"");
        svg.line(x2, ym - 4.0, x2, ym + 4.0, "stroke=\"#000000\"");
        let ratio = match (cell.verdict, cell.ratio) {
            (Verdict::Baseline, _) => " (baseline)".to_owned(),
            (_, Some(r)) => format!(" ({}x)", num(r.median)),
            _ => String::new(),
        };
        svg.text(
            x2 + 6.0,
            ym + 4.0,
            11.0,
            "fill=\"#333333\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\"",
            &format!("{}{ratio}", num(cell.value.median)),
        );
        svg.close();
    }
    if let Some(m) = baseline_median {
        let x = x_of(m);
        svg.open("class=\"baseline-line\"");
        svg.title(&format!("{RATIO_BASELINE}'s median, the baseline"));
        svg.line(
            x,
            top - 6.0,
            x,
            top + plot_h,
            &format!("stroke=\"{BASELINE_COLOR}\" stroke-width=\"1.2\" {BASELINE_DASH}"),
        );
        svg.text(
            x,
            top - 10.0,
            10.5,
            "text-anchor=\"middle\"",
            RATIO_BASELINE,
        );
        svg.close();
    }

    svg.open("class=\"legend\"");
    let mut legend = Legend {
        svg: &mut svg,
        x: legend_x,
        y: top - 30.0,
    };
    legend.heading("Colours (one per scheme)");
    for &r in &schemes {
        let row = &results.rows[r];
        let look = looks.of(row);
        legend.entry(&legend_name(row), |svg, x, y| {
            if look.baseline {
                svg.rect(
                    x,
                    y - 6.0,
                    26.0,
                    12.0,
                    &format!("fill=\"{HATCH}\" stroke=\"#000000\""),
                );
            } else {
                svg.rect(x, y - 6.0, 26.0, 12.0, &format!("fill=\"{}\"", look.color));
            }
        });
    }
    legend.heading("Reading it");
    let has_variants = cells.iter().any(|c| {
        let row = &results.rows[c.row];
        row.id != row.scheme_id
    });
    if has_variants {
        legend.entry(
            "pale: the scheme's direct read side (its own API, not a trait operation)",
            |svg, x, y| {
                svg.rect(
                    x,
                    y - 6.0,
                    26.0,
                    12.0,
                    "fill=\"#1f77b4\" fill-opacity=\"0.45\" stroke=\"#1f77b4\"",
                )
            },
        );
    }
    if cells
        .iter()
        .any(|c| results.rows[c.row].origin == Origin::Baseline)
    {
        legend.entry("grey: a floor that protects nothing", |svg, x, y| {
            svg.rect(x, y - 6.0, 26.0, 12.0, &format!("fill=\"{FLOOR_COLOR}\""))
        });
    }
    legend.entry(
        &format!("bar: the median of {runs} interleaved runs"),
        |svg, x, y| svg.rect(x, y - 6.0, 26.0, 12.0, "fill=\"#888888\""),
    );
    legend.entry("whisker: their min–max", |svg, x, y| {
        svg.line(x + 2.0, y, x + 24.0, y, "stroke=\"#000000\"");
        svg.line(x + 2.0, y - 4.0, x + 2.0, y + 4.0, "stroke=\"#000000\"");
        svg.line(x + 24.0, y - 4.0, x + 24.0, y + 4.0, "stroke=\"#000000\"");
    });
    legend.entry(
        &format!("dashed: {RATIO_BASELINE}'s median"),
        |svg, x, y| {
            svg.line(
                x,
                y,
                x + 26.0,
                y,
                &format!("stroke=\"{BASELINE_COLOR}\" stroke-width=\"1.2\" {BASELINE_DASH}"),
            )
        },
    );
    let legend_end = legend.y;
    svg.close();
    // As tall as the plot or the legend, whichever ends lower, then the footer.
    let body_h = plot_bottom.max(legend_end + 10.0);
    svg.height = body_h + 20.0 + 13.0 * footer;
    svg.footer(context, body_h + 20.0);
    svg.finish(&title, context)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_cover_the_range() {
        assert_eq!(
            linear_ticks(0.0, 10.0, 5),
            vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
        );
        let log = log_ticks(0.5, 2.0, 0.05);
        assert!(log.contains(&1.0) && log.contains(&0.5) && log.contains(&2.0));
        assert!(log.len() >= 5, "{log:?}");
        let sparse = log_ticks(0.1, 10.0, 0.5);
        assert!(
            sparse.windows(2).all(|w| (w[1] / w[0]).ln() >= 0.5),
            "{sparse:?}"
        );
        assert_eq!(tick_label(0.25), "0.25");
        assert_eq!(tick_label(2.0), "2");
    }
}
