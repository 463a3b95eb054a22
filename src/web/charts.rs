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

/// One stacked column: its label and its segments (value, CSS class, series name). A negative
/// value is a count withheld on a public page (1 to 4, or one that would give one away): it is
/// drawn as a dashed "fewer than 5" mark, never as 0 or as a number.
pub type Column = (String, Vec<(i64, &'static str, &'static str)>);

/// The height (in chart units) of the mark of a withheld count.
const WITHHELD_H: i64 = 8;
const WITHHELD: (&str, &str) = ("withheld", "fewer than 5, or withheld to protect another count");
/// The values a public chart draws as marks: a count of 1 to 4, and a count withheld because
/// it would give a small one away.
pub const FEWER_THAN_5: i64 = -1;
pub const WITHHELD_OTHER: i64 = -2;

fn withheld_words(value: i64) -> &'static str {
    if value == FEWER_THAN_5 {
        "fewer than 5"
    } else {
        "withheld"
    }
}

const PLOT_H: i64 = 160;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `2025-12` → (2025, 12).
fn month_parts(ym: &str) -> Option<(i32, usize)> {
    let (y, m) = ym.split_once('-')?;
    let (y, m) = (y.parse::<i32>().ok()?, m.parse::<usize>().ok()?);
    (y.to_string().len() == 4 && (1..=12).contains(&m)).then_some((y, m))
}

/// A month as people write it: `2025-12` → "Dec 2025" (any other text as it is).
pub fn month_words(ym: &str) -> String {
    match month_parts(ym) {
        Some((y, m)) => format!("{} {y}", MONTHS[m - 1]),
        None => ym.to_string(),
    }
}
const TOP: i64 = 10;

/// Columns, each a stack of (value, class, series name), labelled under the axis.
pub fn stacked(title: &str, columns: &[Column], legend: Vec<(&'static str, &'static str)>) -> Chart {
    let max = columns
        .iter()
        .map(|(_, s)| s.iter().map(|(v, _, _)| (*v).max(0)).sum::<i64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let step = 36;
    let mut any_withheld = false;
    let mut bars = Vec::new();
    let mut labels = Vec::new();
    for (i, (label, stack)) in columns.iter().enumerate() {
        let x = 30 + i as i64 * step;
        let mut base = TOP + PLOT_H;
        for (value, class, name) in stack {
            if *value < 0 {
                any_withheld = true;
                bars.push(Bar {
                    x,
                    y: base - WITHHELD_H,
                    w: step - 8,
                    h: WITHHELD_H,
                    class: WITHHELD.0,
                    title: format!("{}: {name} {}", month_words(label), withheld_words(*value)),
                });
                base -= WITHHELD_H;
                continue;
            }
            let h = value * PLOT_H / max;
            if *value > 0 {
                bars.push(Bar {
                    x,
                    y: base - h,
                    w: step - 8,
                    h: h.max(1),
                    class,
                    title: format!("{}: {value} {name}", month_words(label)),
                });
            }
            base -= h;
        }
        // A month's column reads "Dec", with its year under the first column and each January.
        let (text, year) = match month_parts(label) {
            Some((y, m)) => (MONTHS[m - 1].to_string(), (i == 0 || m == 1).then(|| y.to_string())),
            None => (label.clone(), None),
        };
        labels.push(Label {
            x: x + (step - 8) / 2,
            y: TOP + PLOT_H + 14,
            text,
        });
        if let Some(year) = year {
            labels.push(Label {
                x: x + (step - 8) / 2,
                y: TOP + PLOT_H + 26,
                text: year,
            });
        }
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
    let mut legend = legend;
    if any_withheld {
        legend.push(WITHHELD);
    }
    Chart {
        title: title.into(),
        width: 40 + columns.len() as i64 * step,
        height: TOP + PLOT_H + 36,
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
    let mut legend = vec![];
    for (i, (name, value)) in rows.iter().enumerate() {
        let y = TOP + i as i64 * 22;
        if *value < 0 {
            bars.push(Bar {
                x: 110,
                y,
                w: 12,
                h: 16,
                class: WITHHELD.0,
                title: format!("{name}: {}", withheld_words(*value)),
            });
            labels.push(Label {
                x: 128,
                y: y + 12,
                text: withheld_words(*value).into(),
            });
            labels.push(Label {
                x: 4,
                y: y + 12,
                text: name.clone(),
            });
            legend = vec![WITHHELD];
            continue;
        }
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
        legend,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_read_as_words_with_the_year_at_the_start_and_each_january() {
        assert_eq!(month_words("2025-12"), "Dec 2025");
        assert_eq!(month_words("2026-01"), "Jan 2026");
        assert_eq!(month_words("Violent"), "Violent");
        let column = |m: &str| (m.to_string(), vec![(1, "series-1", "booked")]);
        let c = stacked("t", &[column("2025-11"), column("2025-12"), column("2026-01")], vec![]);
        let texts: Vec<&str> = c.labels.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["Nov", "2025", "Dec", "Jan", "2026", "1", "0"]);
        assert_eq!(c.bars[1].title, "Dec 2025: 1 booked");
    }
}
