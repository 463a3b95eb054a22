//! Bar charts drawn as SVG on the server (askama templates draw the rectangles; this computes
//! them). Every chart is shown beside a table of its numbers.

/// One rectangle of a chart, in the chart's own coordinates.
pub struct Bar {
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
    pub class: &'static str,
    pub title: String,
}

pub struct Label {
    pub x: i64,
    pub y: i64,
    pub text: String,
}

pub struct Chart {
    pub title: String,
    pub width: i64,
    pub height: i64,
    pub bars: Vec<Bar>,
    pub labels: Vec<Label>,
    /// (class, name) for the legend.
    pub legend: Vec<(&'static str, &'static str)>,
}

/// One stacked column: its label and its segments (value, CSS class, series name).
pub type Column = (String, Vec<(i64, &'static str, &'static str)>);

const PLOT_H: i64 = 160;
const TOP: i64 = 10;

/// Columns, each a stack of (value, class, series name), labelled under the axis.
pub fn stacked(title: &str, columns: &[Column], legend: Vec<(&'static str, &'static str)>) -> Chart {
    let max = columns
        .iter()
        .map(|(_, s)| s.iter().map(|(v, _, _)| *v).sum::<i64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let step = 36;
    let mut bars = Vec::new();
    let mut labels = Vec::new();
    for (i, (label, stack)) in columns.iter().enumerate() {
        let x = 30 + i as i64 * step;
        let mut base = TOP + PLOT_H;
        for (value, class, name) in stack {
            let h = value * PLOT_H / max;
            if *value > 0 {
                bars.push(Bar {
                    x,
                    y: base - h,
                    w: step - 8,
                    h: h.max(1),
                    class,
                    title: format!("{label}: {value} {name}"),
                });
            }
            base -= h;
        }
        labels.push(Label {
            x: x + (step - 8) / 2,
            y: TOP + PLOT_H + 14,
            text: label.chars().skip(2).collect(),
        });
    }
    labels.push(Label {
        x: 12,
        y: TOP + 8,
        text: max.to_string(),
    });
    labels.push(Label {
        x: 12,
        y: TOP + PLOT_H,
        text: "0".into(),
    });
    Chart {
        title: title.into(),
        width: 40 + columns.len() as i64 * step,
        height: TOP + PLOT_H + 24,
        bars,
        labels,
        legend,
    }
}

/// Horizontal bars, one per named value.
pub fn horizontal(title: &str, rows: &[(String, i64)]) -> Chart {
    let max = rows.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let mut bars = Vec::new();
    let mut labels = Vec::new();
    for (i, (name, value)) in rows.iter().enumerate() {
        let y = TOP + i as i64 * 22;
        let w = value * 300 / max;
        bars.push(Bar {
            x: 110,
            y,
            w: w.max(if *value > 0 { 1 } else { 0 }),
            h: 16,
            class: "series-1",
            title: format!("{name}: {value}"),
        });
        labels.push(Label {
            x: 4,
            y: y + 12,
            text: name.clone(),
        });
        labels.push(Label {
            x: 116 + w,
            y: y + 12,
            text: value.to_string(),
        });
    }
    Chart {
        title: title.into(),
        width: 460,
        height: TOP + rows.len() as i64 * 22 + 10,
        bars,
        labels,
        legend: vec![],
    }
}
