//! A small SVG writer: the few elements the charts need, written as text, with the run's
//! context in `<desc>`, `<metadata>` and a footer. No dependency.

use std::fmt::Write as _;

use crate::context::Context;

/// Escapes text for an SVG text node or attribute value.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// A number for an attribute: one decimal at most.
fn n(x: f64) -> String {
    let r = (x * 10.0).round() / 10.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

/// An SVG document being drawn.
pub struct Svg {
    pub width: f64,
    pub height: f64,
    defs: String,
    body: String,
}

/// The hatch pattern that marks the ratio baseline (crossbeam-epoch) in bar charts.
pub const HATCH: &str = "url(#baseline-hatch)";

impl Svg {
    pub fn new(width: f64, height: f64) -> Self {
        Self {
            width,
            height,
            defs: String::new(),
            body: String::new(),
        }
    }

    /// Defines the baseline's hatch pattern ([`HATCH`]).
    pub fn define_hatch(&mut self) {
        self.defs.push_str(
            "<pattern id=\"baseline-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" \
             patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#ffffff\"/>\
             <line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#000000\" stroke-width=\"2\"/></pattern>\n",
        );
    }

    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, style: &str) {
        let _ = writeln!(
            self.body,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" {style}/>",
            n(x),
            n(y),
            n(w.max(0.0)),
            n(h.max(0.0))
        );
    }

    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, style: &str) {
        let _ = writeln!(
            self.body,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" {style}/>",
            n(x1),
            n(y1),
            n(x2),
            n(y2)
        );
    }

    pub fn polyline(&mut self, points: &[(f64, f64)], style: &str) {
        let pts: Vec<String> = points
            .iter()
            .map(|&(x, y)| format!("{},{}", n(x), n(y)))
            .collect();
        let _ = writeln!(
            self.body,
            "<polyline points=\"{}\" fill=\"none\" {style}/>",
            pts.join(" ")
        );
    }

    /// A marker of `shape` centred on `(x, y)`, filled with `color` or hollow.
    pub fn marker(&mut self, shape: Shape, x: f64, y: f64, r: f64, color: &str, filled: bool) {
        let fill = if filled { color } else { "#ffffff" };
        let style = format!("fill=\"{fill}\" stroke=\"{color}\" stroke-width=\"1.5\"");
        match shape {
            Shape::Circle => {
                let _ = writeln!(
                    self.body,
                    "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" {style}/>",
                    n(x),
                    n(y),
                    n(r)
                );
            }
            Shape::Square => self.rect(x - r * 0.9, y - r * 0.9, r * 1.8, r * 1.8, &style),
            Shape::Diamond => self.polygon(
                &[
                    (x, y - r * 1.2),
                    (x + r * 1.2, y),
                    (x, y + r * 1.2),
                    (x - r * 1.2, y),
                ],
                &style,
            ),
            Shape::Triangle => self.polygon(
                &[
                    (x, y - r * 1.2),
                    (x + r * 1.1, y + r * 0.9),
                    (x - r * 1.1, y + r * 0.9),
                ],
                &style,
            ),
        }
    }

    fn polygon(&mut self, points: &[(f64, f64)], style: &str) {
        let pts: Vec<String> = points
            .iter()
            .map(|&(x, y)| format!("{},{}", n(x), n(y)))
            .collect();
        let _ = writeln!(self.body, "<polygon points=\"{}\" {style}/>", pts.join(" "));
    }

    /// Text at `(x, y)` (its baseline); `attrs` such as `text-anchor="end"`.
    pub fn text(&mut self, x: f64, y: f64, size: f64, attrs: &str, text: &str) {
        let _ = writeln!(
            self.body,
            "<text x=\"{}\" y=\"{}\" font-size=\"{}\" {attrs}>{}</text>",
            n(x),
            n(y),
            n(size),
            esc(text)
        );
    }

    /// Opens a group; `attrs` are written as they are (escape values with [`esc`]).
    pub fn open(&mut self, attrs: &str) {
        let _ = writeln!(self.body, "<g {attrs}>");
    }

    /// A tooltip for the enclosing element or group.
    pub fn title(&mut self, text: &str) {
        let _ = writeln!(self.body, "<title>{}</title>", esc(text));
    }

    pub fn close(&mut self) {
        self.body.push_str("</g>\n");
    }

    /// The run's context as a footer at the bottom left, from `y` down, small and grey.
    pub fn footer(&mut self, context: &Context, y: f64) {
        let width = ((self.width - 20.0) / 6.0) as usize;
        self.open("class=\"context\"");
        for (i, line) in context.lines(width.max(60)).iter().enumerate() {
            self.text(10.0, y + 13.0 * i as f64, 10.5, "fill=\"#555555\"", line);
        }
        self.close();
    }

    /// Lines the footer of `context` needs in a chart `width` wide.
    pub fn footer_lines(context: &Context, width: f64) -> usize {
        context
            .lines((((width - 20.0) / 6.0) as usize).max(60))
            .len()
    }

    /// The document: `title`, the context in `<desc>` (as text) and `<metadata>` (as the
    /// JSON of `run.json`), the definitions and the drawing.
    pub fn finish(self, title: &str, context: &Context) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" \
             font-family=\"sans-serif\">",
            w = n(self.width),
            h = n(self.height)
        );
        let _ = writeln!(out, "<title>{}</title>", esc(title));
        let _ = writeln!(
            out,
            "<desc>{}. Run context: {}</desc>",
            esc(title),
            esc(&context.preamble())
        );
        let mut json = String::from("{");
        json.push_str(
            context
                .json_members("")
                .lines()
                .collect::<Vec<_>>()
                .join(" ")
                .trim_end_matches(','),
        );
        json.push('}');
        let _ = writeln!(
            out,
            "<metadata id=\"run-context\" data-format=\"application/json\">{}</metadata>",
            esc(&json)
        );
        if !self.defs.is_empty() {
            let _ = write!(out, "<defs>\n{}</defs>\n", self.defs);
        }
        let _ = writeln!(
            out,
            "<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>",
            n(self.width),
            n(self.height)
        );
        out.push_str(&self.body);
        out.push_str("</svg>\n");
        out
    }
}

/// A marker's shape: one per family of schemes, so that schemes stay apart where colours are
/// close.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Circle,
    Square,
    Diamond,
    Triangle,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_numbers() {
        assert_eq!(esc("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(n(1.04), "1");
        assert_eq!(n(2.25), "2.3");
        assert_eq!(n(-0.5), "-0.5");
    }
}
