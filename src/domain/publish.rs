//! What the public page may print: small counts hidden, and no hidden count derivable from the
//! shown ones (complementary suppression).

/// A published count: shown, small (1 to 4), or withheld so that a small one elsewhere in its
/// table cannot be worked out from the others.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Published {
    Count(i64),
    Small,
    Withheld,
}

impl std::fmt::Display for Published {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Published::Count(n) => write!(f, "{n}"),
            Published::Small => f.write_str("fewer than 5"),
            Published::Withheld => f.write_str("withheld"),
        }
    }
}

/// Small-cell suppression with complementary suppression. Counts 1 to 4 are hidden; then, in
/// every group of cells tied by an equation (e.g. total = detainer + warrant − both), a group
/// with exactly one hidden cell also hides its smallest shown cell, until no group has exactly
/// one — so no hidden count follows from the shown ones by subtraction.
pub fn publish(values: &[i64], groups: &[&[usize]]) -> Vec<Published> {
    let mut out: Vec<Published> = values
        .iter()
        .map(|v| {
            if (1..5).contains(v) {
                Published::Small
            } else {
                Published::Count(*v)
            }
        })
        .collect();
    loop {
        let mut changed = false;
        for group in groups {
            let hidden = group
                .iter()
                .filter(|i| out[**i] != Published::Count(values[**i]))
                .count();
            if hidden != 1 {
                continue;
            }
            if let Some(&i) = group
                .iter()
                .filter(|i| out[**i] == Published::Count(values[**i]))
                .min_by_key(|i| values[**i])
            {
                out[i] = Published::Withheld;
                changed = true;
            }
        }
        if !changed {
            return out;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_count_cannot_be_had_by_subtraction() {
        // total 6, detainer 5, warrant 1, both 0: the warrant's 1 would follow from 6 − 5 + 0.
        let groups: &[&[usize]] = &[&[0, 1, 2, 3]];
        let shown = publish(&[6, 5, 1, 0], groups);
        assert_eq!(shown[2], Published::Small);
        let hidden = shown.iter().filter(|p| !matches!(p, Published::Count(_))).count();
        assert!(hidden >= 2, "{shown:?}");
        assert_eq!(shown[3], Published::Withheld, "the smallest other cell is withheld");
    }

    #[test]
    fn nothing_is_withheld_when_nothing_is_small_or_two_are() {
        let groups: &[&[usize]] = &[&[0, 1, 2, 3]];
        let shown = publish(&[30, 20, 10, 0], groups);
        assert!(shown.iter().all(|p| matches!(p, Published::Count(_))));
        let two = publish(&[10, 3, 8, 1], groups);
        assert_eq!(two.iter().filter(|p| **p == Published::Withheld).count(), 0);
    }

    #[test]
    fn withholding_spreads_across_groups_that_share_a_cell() {
        // Cell 0 is in both groups: hiding it to protect group one leaves group two with one hidden.
        let groups: &[&[usize]] = &[&[0, 1], &[0, 2, 3]];
        let shown = publish(&[7, 2, 9, 11], groups);
        for g in groups {
            let hidden = g.iter().filter(|i| !matches!(shown[**i], Published::Count(_))).count();
            assert_ne!(hidden, 1, "{shown:?}");
        }
    }

    #[test]
    fn the_public_page_prints_a_count_or_says_why_not() {
        assert_eq!(Published::Count(12).to_string(), "12");
        assert_eq!(Published::Count(0).to_string(), "0");
        assert_eq!(Published::Small.to_string(), "fewer than 5");
        assert_eq!(Published::Withheld.to_string(), "withheld");
    }
}
