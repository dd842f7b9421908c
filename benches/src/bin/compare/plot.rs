//! SVG charts drawn with plotters: throughput against threads (one chart per structure and mix,
//! one line per scheme, a whisker for each point's min–max), and the read-side cost of every
//! row as bars.

use std::path::{Path, PathBuf};

use benches::schemes::Origin;
use plotters::prelude::*;

use crate::report::Cell;
use crate::runner::Results;

type Error = Box<dyn std::error::Error>;

/// Draws every chart into `dir`; returns the files written.
pub fn write_svgs(dir: &Path, results: &Results, cells: &[Cell]) -> Result<Vec<PathBuf>, Error> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    let mut groups: Vec<(&'static str, &'static str)> = Vec::new();
    for c in cells.iter().filter(|c| c.point.pass.id == "throughput") {
        let g = (c.point.structure.id, c.point.mix.id);
        if !groups.contains(&g) {
            groups.push(g);
        }
    }
    for (structure, mix) in groups {
        let group: Vec<&Cell> = cells
            .iter()
            .filter(|c| {
                c.point.pass.id == "throughput"
                    && c.point.structure.id == structure
                    && c.point.mix.id == mix
            })
            .collect();
        let path = dir.join(format!("throughput-{structure}-{mix}.svg"));
        throughput_chart(&path, results, &group)?;
        written.push(path);
    }
    let read: Vec<&Cell> = cells
        .iter()
        .filter(|c| c.point.pass.id == "read-side")
        .collect();
    if !read.is_empty() {
        let path = dir.join("read-side.svg");
        read_side_chart(&path, results, &read)?;
        written.push(path);
    }
    Ok(written)
}

fn color(i: usize) -> RGBColor {
    // A qualitative palette that stays apart when printed in grey.
    const COLORS: [RGBColor; 12] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
        RGBColor(188, 189, 34),
        RGBColor(23, 190, 207),
        RGBColor(0, 0, 0),
        RGBColor(255, 187, 120),
    ];
    COLORS[i % COLORS.len()]
}

fn throughput_chart(path: &Path, results: &Results, group: &[&Cell]) -> Result<(), Error> {
    let point = group[0].point;
    let mut threads: Vec<usize> = group.iter().map(|c| c.point.threads).collect();
    threads.sort_unstable();
    threads.dedup();
    let x_of = |t: usize| threads.iter().position(|&x| x == t).unwrap_or(0) as f64;
    let y_max = group.iter().map(|c| c.value.max).fold(0.0, f64::max) * 1.1;
    let mut rows: Vec<usize> = Vec::new();
    for c in group {
        if !rows.contains(&c.row) {
            rows.push(c.row);
        }
    }

    let root = SVGBackend::new(path, (1100, 600)).into_drawing_area();
    root.fill(&WHITE)?;
    let (plot_area, legend_area) = root.split_horizontally(840);
    let title = format!(
        "{} {}: throughput (higher is better)",
        point.structure.name, point.mix.name
    );
    let mut chart = ChartBuilder::on(&plot_area)
        .caption(title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(-0.3..(threads.len() as f64 - 0.7), 0.0..y_max.max(1e-9))?;
    let labels = threads.clone();
    chart
        .configure_mesh()
        .x_labels(threads.len())
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                labels
                    .get(i as usize)
                    .map_or(String::new(), |t| t.to_string())
            } else {
                String::new()
            }
        })
        .x_desc("threads")
        .y_desc(point.pass.unit)
        .draw()?;
    for (i, &r) in rows.iter().enumerate() {
        let c = color(i);
        let mut cells: Vec<&&Cell> = group.iter().filter(|cell| cell.row == r).collect();
        cells.sort_by_key(|cell| cell.point.threads);
        let line: Vec<(f64, f64)> = cells
            .iter()
            .map(|cell| (x_of(cell.point.threads), cell.value.median))
            .collect();
        chart.draw_series(LineSeries::new(line.clone(), c.stroke_width(2)))?;
        chart.draw_series(line.iter().map(|&p| Circle::new(p, 3, c.filled())))?;
        // Whiskers side by side rather than on top of each other.
        let nudge = (i as f64 - (rows.len() as f64 - 1.0) / 2.0) * 0.012;
        chart.draw_series(cells.iter().map(|cell| {
            let x = x_of(cell.point.threads) + nudge;
            PathElement::new(
                vec![(x, cell.value.min), (x, cell.value.max)],
                c.mix(0.6).stroke_width(1),
            )
        }))?;
    }
    // The legend sits beside the chart, so that it hides no line.
    for (i, &r) in rows.iter().enumerate() {
        let y = 60 + 22 * i as i32;
        let c = color(i);
        legend_area.draw(&PathElement::new(vec![(8, y), (32, y)], c.stroke_width(3)))?;
        legend_area.draw(&Text::new(
            results.rows[r].name.clone(),
            (40, y - 7),
            ("sans-serif", 14),
        ))?;
    }
    root.present()?;
    Ok(())
}

fn read_side_chart(path: &Path, results: &Results, cells: &[&Cell]) -> Result<(), Error> {
    let n = cells.len();
    let x_max = cells.iter().map(|c| c.value.max).fold(0.0, f64::max) * 1.15;
    let names: Vec<String> = cells
        .iter()
        .map(|c| results.rows[c.row].name.clone())
        .collect();
    let height = 120 + 28 * n as u32;
    let root = SVGBackend::new(path, (960, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "read-side cost: ns per empty read section, one thread (lower is better)",
            ("sans-serif", 20),
        )
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(260)
        .build_cartesian_2d(0.0..x_max.max(1e-9), -0.5..(n as f64 - 0.5))?;
    chart
        .configure_mesh()
        .y_labels(n)
        .y_label_formatter(&|y| {
            let i = y.round();
            if (y - i).abs() < 1e-6 && i >= 0.0 {
                // The first row at the top.
                names
                    .get(n.saturating_sub(1 + i as usize))
                    .cloned()
                    .unwrap_or_default()
            } else {
                String::new()
            }
        })
        .x_desc("ns per enter + exit")
        .disable_y_mesh()
        .draw()?;
    for (i, cell) in cells.iter().enumerate() {
        let y = (n - 1 - i) as f64;
        let c = match results.rows[cell.row].origin {
            Origin::Baseline => RGBColor(160, 160, 160),
            Origin::Ours => color(0),
            Origin::Peer => color(1),
        };
        chart.draw_series(std::iter::once(Rectangle::new(
            [(0.0, y - 0.35), (cell.value.median, y + 0.35)],
            c.filled(),
        )))?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(cell.value.min, y), (cell.value.max, y)],
            BLACK.stroke_width(1),
        )))?;
    }
    root.present()?;
    Ok(())
}
