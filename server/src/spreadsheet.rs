//! CSV cells safe to open in a spreadsheet: a cell that a spreadsheet would run as a formula
//! (starting with `=`, `+`, `-`, `@`, a tab or a carriage return: OWASP's list) gets a leading
//! apostrophe, which spreadsheets show as text; importing undoes it.

use std::borrow::Cow;

const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The cell as written to an exported CSV.
pub fn inert(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) { Cow::Owned(format!("'{cell}")) } else { Cow::Borrowed(cell) }
}

/// The cell as it was before [`inert`], for imports of exported files.
pub fn restore(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_come_back_on_import() {
        for cell in ["=1+1", "+31 6", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(inert(cell), format!("'{cell}"));
            assert_eq!(restore(&inert(cell)), cell);
        }
        assert_eq!(inert("plain"), "plain");
        assert_eq!(restore("'quoted on purpose"), "'quoted on purpose");
    }
}
